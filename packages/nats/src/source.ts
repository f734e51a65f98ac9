// natsSource(): a JetStream stream of kwire messages as the batches and events of the live sources. A
// durable consumer (named by `durable`) remembers what was acknowledged, so a restarted consumer
// resumes where it stopped; without one, an ordered consumer reads from `since` or `startSequence`.
// Each message is acknowledged after its batches were emitted. A message seen twice in one
// subscription (redelivered after a lost ack, or re-sent by a publisher after its duplicate window)
// is skipped and counted; a message that is not kwire's, or of a kind or layout this kwire does not
// decode, is skipped, counted and reported (onIssue), never thrown.
import { Observable, filter, map } from 'rxjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { KwireError, toEvents, type Batch } from 'kwire';
import { decodeMessage, messageBatches } from './batch-message.js';
import { natsConnect, type ConnectionCounters } from './connect.js';
import { natsKind } from './kinds.js';
import { jetstreamError } from './stream.js';
import { checkSourceOptions, type NatsSourceOptions } from './source-options.js';

export type { NatsSourceOptions } from './source-options.js';

/** A batch from a stream, with where it came from. */
export interface NatsBatch<B = Batch<unknown>> {
  /** The source (kind) name, e.g. 'exec'. */
  readonly source: string;
  readonly batch: B;
  /** The publishing host. */
  readonly host: string;
  readonly subject: string;
  /** The message's sequence number in the stream. */
  readonly streamSequence: number;
  /** When the publishing host booted (epoch milliseconds): the base of its records' boot-time stamps. */
  readonly bootTime: number;
}

/** A message skipped by a source, and why. */
export interface NatsIssue {
  readonly subject: string;
  readonly streamSequence: number;
  readonly reason: string;
}

/** A source's counters. */
export interface NatsSourceStats extends ConnectionCounters {
  messages: number;
  batches: number;
  records: number;
  /** Records per publishing host. */
  hosts: Record<string, number>;
  /** Messages seen again in this subscription and skipped (redelivered, or re-sent by a publisher). */
  duplicates: number;
  /** Messages skipped because they could not be decoded (see issues). */
  skipped: number;
  issues: NatsIssue[];
}

/** A stream of kwire messages as batches, with the same views as a replay. */
export interface NatsSource extends Observable<NatsBatch> {
  /** Batches of one source: the same batch class its live source emits. */
  batches<B = Batch<unknown>>(source: string): Observable<B>;
  /** Events of one source, or of all in stream order. */
  events<E = unknown>(source?: string): Observable<E>;
  /** Counters of the current (or last) subscription. */
  stats(): NatsSourceStats;
}

const SEEN_WINDOW = 1 << 16; // message identities remembered to skip duplicates

/**
 * The kwire messages of a JetStream stream as the batches and events of the live sources, through a
 * durable consumer (`durable`: acknowledged after emission, resumed after a restart) or an ordered one,
 * from `since` (a time) or `startSequence`. Follows the stream until unsubscribed, or, with
 * `follow: false`, completes after the messages stored when it started.
 *
 * @example
 * natsSource({ servers: 'nats://central:4222', durable: 'central' }).events<ExecEvent>('exec').subscribe((e) => console.log(e.pid));
 * @throws KwireError EINVAL_ARGUMENT for a bad option; on subscribe, KwireError ENATS ends the stream
 *   when no server answers the first connect, or the stream or consumer cannot be found or created.
 */
export function natsSource(options: Readonly<Partial<NatsSourceOptions>> & Pick<NatsSourceOptions, 'servers'>): NatsSource {
  const fn = 'natsSource()';
  const o = checkSourceOptions(fn, options);
  const only = o.sources ? new Set(o.sources) : undefined;
  let stats = emptySourceStats();

  const all = new Observable<NatsBatch>((subscriber) => {
    const s = (stats = emptySourceStats());
    const seen = new Set<string>();
    let nc: NatsConnection | undefined;
    let messages: ConsumerMessages | undefined;
    let closed = false;

    const issue = (m: JsMsg, reason: string) => {
      s.skipped++;
      const i = { subject: m.subject, streamSequence: m.seq, reason };
      s.issues.push(i);
      o.onIssue?.(i);
    };

    const handle = (m: JsMsg) => {
      s.messages++;
      let message;
      try {
        message = decodeMessage(m.data);
      } catch (error) {
        return issue(m, (error as Error).message);
      }
      const identity = `${message.host}.${message.source}.${message.session}.${message.seq}`;
      if (seen.has(identity)) return void s.duplicates++;
      seen.add(identity);
      if (seen.size > SEEN_WINDOW) seen.delete(seen.values().next().value!);
      if (only && !only.has(message.source)) return;
      const kind = natsKind(message.source);
      if (!kind) return issue(m, `source '${message.source}' is not known to this kwire`);
      let batches;
      try {
        batches = messageBatches(message, kind);
      } catch (error) {
        return issue(m, (error as Error).message);
      }
      for (const batch of batches) {
        if (closed) return;
        s.batches++;
        s.records += batch.length;
        s.hosts[message.host] = (s.hosts[message.host] ?? 0) + batch.length;
        subscriber.next({ source: message.source, batch, host: message.host, subject: m.subject, streamSequence: m.seq, bootTime: message.boot });
      }
    };

    const run = async () => {
      nc = await natsConnect(fn, o.servers, s);
      if (closed) return void nc.close();
      const start = o.startSequence !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: o.startSequence }
        : o.since !== undefined
          ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: o.since.toISOString() }
          : { deliver_policy: DeliverPolicy.All };
      const filterSubject = o.subjects ?? '>';
      let consumer;
      try {
        const js = jetstream(nc);
        if (o.durable) {
          const jsm = await jetstreamManager(nc);
          try {
            await jsm.consumers.info(o.stream, o.durable);
          } catch (error) {
            if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
            await jsm.consumers.add(o.stream, {
              durable_name: o.durable, ack_policy: AckPolicy.Explicit, ack_wait: o.ackWaitMs * 1e6,
              max_ack_pending: o.maxAckPending, filter_subject: filterSubject, ...start,
            });
          }
          consumer = await js.consumers.get(o.stream, o.durable);
        } else {
          consumer = await js.consumers.get(o.stream, { filter_subjects: filterSubject, ...start });
        }
      } catch (error) {
        throw jetstreamError(fn, `stream ${o.stream}${o.durable ? `, consumer ${o.durable}` : ''}`, error);
      }
      // follow: false ends after the messages waiting when it started (first deliveries, in stream
      // order; a message's own `pending` counts what the server has not yet sent, not what this client
      // has not yet read, so it reaches 0 while a pull's messages are still queued here).
      let remaining = o.follow ? Infinity : (await consumer.info()).num_pending;
      if (remaining === 0) return subscriber.complete();
      messages = await consumer.consume({ max_messages: o.maxAckPending });
      if (closed) return void messages.close();
      for await (const m of messages) {
        handle(m);
        if (closed) return;
        if (o.durable) m.ack(); // after its batches were emitted
        if (!m.redelivered && --remaining <= 0) break;
      }
      if (closed) return;
      await messages.close();
      await nc.drain();
      subscriber.complete();
    };
    run().catch((error: unknown) => subscriber.error(error instanceof KwireError ? error : jetstreamError(fn, `stream ${o.stream}`, error)));
    return () => {
      closed = true;
      // drain() sends the acks still buffered before closing.
      void messages?.close().catch(() => undefined);
      void nc?.drain().catch(() => undefined);
    };
  });

  const out = all as NatsSource;
  out.batches = <B>(source: string) => {
    if (!natsKind(source)) throw new KwireError('EINVAL_ARGUMENT', `${fn}: no source '${source}' is known to this kwire`);
    return all.pipe(
      filter((b) => b.source === source),
      map((b) => b.batch as B),
    );
  };
  out.events = <E>(source?: string) => (source === undefined ? all.pipe(map((b) => b.batch)) : out.batches<Batch<unknown>>(source)).pipe(toEvents<unknown>()) as Observable<E>;
  out.stats = () => stats;
  return out;
}

function emptySourceStats(): NatsSourceStats {
  return { messages: 0, batches: 0, records: 0, hosts: {}, duplicates: 0, skipped: 0, issues: [], disconnects: 0, reconnects: 0 };
}
