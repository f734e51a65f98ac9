// natsSource()'s options, their defaults and their checks.
import { checkInt, checkKnown, checkObject, checkServers, checkToken, invalid } from './check.js';
import { natsKind, natsKindNames } from './kinds.js';
import type { NatsIssue } from './source.js';

export interface NatsSourceOptions {
  /** NATS server URL(s), e.g. 'nats://127.0.0.1:4222'. Required. */
  servers: string | string[];
  /** The JetStream stream. Default: 'KWIRE'. */
  stream: string;
  /** A durable consumer's name: created when missing (from `since` or `startSequence`), resumed where
   *  its acknowledgements stopped when it exists. Default: none (an ordered consumer, nothing remembered). */
  durable: string;
  /** Messages stored at or after this time (a Date, an ISO 8601 text, or epoch milliseconds). Default: the stream's start. */
  since: Date | string | number;
  /** Messages from this stream sequence on. Default: the stream's start. */
  startSequence: number;
  /** Only subjects matching this filter, e.g. 'kwire.web1.>'. Default: every subject of the stream. */
  subjects: string;
  /** Only these sources (kinds). Default: all. */
  sources: readonly string[];
  /** Keep following the stream (true), or complete after the messages stored when it started (false). Default: true. */
  follow: boolean;
  /** A durable consumer's ack wait: an unacknowledged message is delivered again after it. Default: 30 000 ms. */
  ackWaitMs: number;
  /** Messages delivered but not yet acknowledged at most (also the pull batch). Default: 256. */
  maxAckPending: number;
  /** Told of each message skipped as undecodable. */
  onIssue: (issue: NatsIssue) => void;
}

const known = ['servers', 'stream', 'durable', 'since', 'startSequence', 'subjects', 'sources', 'follow', 'ackWaitMs', 'maxAckPending', 'onIssue'] as const;

export type CheckedSourceOptions = Omit<NatsSourceOptions, 'durable' | 'since' | 'startSequence' | 'subjects' | 'sources' | 'onIssue'> & {
  durable?: string; since?: Date; startSequence?: number; subjects?: string; sources?: readonly string[]; onIssue?: (issue: NatsIssue) => void;
};

export function checkSourceOptions(fn: string, options: unknown): CheckedSourceOptions {
  checkObject(fn, options);
  checkKnown(fn, options, known);
  const o = options as Partial<NatsSourceOptions>;
  const servers = checkServers(fn, o.servers);
  checkToken(fn, 'stream', o.stream);
  checkToken(fn, 'durable', o.durable);
  let since: Date | undefined;
  if (o.since !== undefined) {
    since = o.since instanceof Date ? o.since : typeof o.since === 'string' || typeof o.since === 'number' ? new Date(o.since) : undefined;
    if (!since || Number.isNaN(since.getTime())) invalid(fn, `since must be a Date, an ISO 8601 time such as '2026-12-01T10:00:00Z' or epoch milliseconds, got ${JSON.stringify(o.since)}`);
  }
  checkInt(fn, 'startSequence', o.startSequence, 1, Number.MAX_SAFE_INTEGER);
  if (since && o.startSequence !== undefined) invalid(fn, 'since and startSequence cannot both be given');
  if (o.subjects !== undefined && (typeof o.subjects !== 'string' || !/^[^\s]+$/.test(o.subjects))) invalid(fn, `subjects must be a subject filter such as 'kwire.web1.>', got ${JSON.stringify(o.subjects)}`);
  if (o.sources !== undefined) {
    if (!Array.isArray(o.sources) || !o.sources.every((x) => typeof x === 'string')) invalid(fn, `sources must be a list of source names, got ${JSON.stringify(o.sources)}`);
    const unknown = o.sources.filter((x) => !natsKind(x));
    if (unknown.length > 0) invalid(fn, `sources: unknown source ${unknown.map((x) => `'${x}'`).join(', ')} (known: ${natsKindNames().join(', ')})`);
  }
  if (o.follow !== undefined && typeof o.follow !== 'boolean') invalid(fn, `follow must be true or false, got ${JSON.stringify(o.follow)}`);
  checkInt(fn, 'ackWaitMs', o.ackWaitMs, 100, 3_600_000);
  checkInt(fn, 'maxAckPending', o.maxAckPending, 1, 65_536);
  if (o.onIssue !== undefined && typeof o.onIssue !== 'function') invalid(fn, `onIssue must be a function, got ${typeof o.onIssue}`);
  return {
    servers,
    stream: o.stream ?? 'KWIRE',
    follow: o.follow ?? true,
    ackWaitMs: o.ackWaitMs ?? 30_000,
    maxAckPending: o.maxAckPending ?? 256,
    ...(o.durable === undefined ? {} : { durable: o.durable }),
    ...(since === undefined ? {} : { since }),
    ...(o.startSequence === undefined ? {} : { startSequence: o.startSequence }),
    ...(o.subjects === undefined ? {} : { subjects: o.subjects }),
    ...(o.sources === undefined ? {} : { sources: o.sources }),
    ...(o.onIssue === undefined ? {} : { onIssue: o.onIssue }),
  };
}
