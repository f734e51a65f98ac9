// natsSink()'s options, their defaults and their checks.
import { checkInt, checkKnown, checkObject, checkPositive, checkServers, checkToken, invalid } from './check.js';
import { natsKind, natsKindNames } from './kinds.js';

export interface NatsSinkOptions {
  /** NATS server URL(s), e.g. 'nats://127.0.0.1:4222'. Required. */
  servers: string | string[];
  /** This host's name in subjects and message ids (one subject token). Default: os.hostname() with dots as '_'. */
  host: string;
  /** First subject token(s). Default: 'kwire'. */
  subjectPrefix: string;
  /** The JetStream stream; created over `<subjectPrefix>.>` when missing. Default: 'KWIRE'. */
  stream: string;
  /** The source (kind) of every batch, e.g. 'exec'. Default: each batch's events' `type`. */
  source: string;
  /** Bytes a message gathers batches up to (a larger batch goes alone). Default: 256 KiB. */
  messageBytes: number;
  /** Milliseconds a partly filled message waits for more batches. Default: 50. */
  lingerMs: number;
  /** Publishes waiting for their ack at most. Default: 16. */
  maxInFlight: number;
  /** Messages waiting behind the in-flight window at most; one more is dropped and counted. Default: 64. */
  maxQueue: number;
  /** Milliseconds to wait for a publish's ack before sending it again. Default: 5000. */
  ackTimeoutMs: number;
  /** A created stream keeps messages this many seconds. Default: 86 400 (a day). */
  maxAge: number;
  /** A created stream keeps this many bytes at most, the oldest going first. Default: 1 GiB. */
  maxBytes: number;
}

const known = ['servers', 'host', 'subjectPrefix', 'stream', 'source', 'messageBytes', 'lingerMs', 'maxInFlight', 'maxQueue', 'ackTimeoutMs', 'maxAge', 'maxBytes'] as const;

/** The options with their defaults, checked. */
export type CheckedSinkOptions = Omit<NatsSinkOptions, 'host' | 'source'> & { host?: string; source?: string };

export function checkSinkOptions(fn: string, options: unknown): CheckedSinkOptions {
  checkObject(fn, options);
  checkKnown(fn, options, known);
  const servers = checkServers(fn, options.servers);
  checkToken(fn, 'host', options.host);
  checkToken(fn, 'subjectPrefix', options.subjectPrefix, true);
  checkToken(fn, 'stream', options.stream);
  if (options.source !== undefined && (typeof options.source !== 'string' || !natsKind(options.source))) {
    invalid(fn, `source must be a record kind (known: ${natsKindNames().join(', ')}), got ${JSON.stringify(options.source)}`);
  }
  checkInt(fn, 'messageBytes', options.messageBytes, 1024, 64 << 20);
  checkInt(fn, 'lingerMs', options.lingerMs, 0, 60_000);
  checkInt(fn, 'maxInFlight', options.maxInFlight, 1, 65_536);
  checkInt(fn, 'maxQueue', options.maxQueue, 0, 1 << 20);
  checkInt(fn, 'ackTimeoutMs', options.ackTimeoutMs, 1, 3_600_000);
  checkPositive(fn, 'maxAge', options.maxAge);
  checkInt(fn, 'maxBytes', options.maxBytes, 1024, Number.MAX_SAFE_INTEGER);
  const o = options as Partial<NatsSinkOptions>;
  return {
    servers,
    ...(o.host === undefined ? {} : { host: o.host }),
    ...(o.source === undefined ? {} : { source: o.source }),
    subjectPrefix: o.subjectPrefix ?? 'kwire',
    stream: o.stream ?? 'KWIRE',
    messageBytes: o.messageBytes ?? 256 << 10,
    lingerMs: o.lingerMs ?? 50,
    maxInFlight: o.maxInFlight ?? 16,
    maxQueue: o.maxQueue ?? 64,
    ackTimeoutMs: o.ackTimeoutMs ?? 5000,
    maxAge: o.maxAge ?? 86_400,
    maxBytes: o.maxBytes ?? 2 ** 30,
  };
}
