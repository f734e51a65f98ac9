// natsSink(): an operator that publishes decoded batches to JetStream, on `<prefix>.<host>.<source>`.
// Batches of one source are gathered into messages of about `messageBytes` (or whatever arrived within
// `lingerMs`); each message is published with a message id (Nats-Msg-Id: host, source, session and
// message number), so a re-send after a lost ack is dropped by the stream as a duplicate. At most
// `maxInFlight` publishes wait for their ack; a failed one (timeout, no stream, stream full, the server
// gone) is re-sent with back-off and keeps its place. Messages wait in a queue of `maxQueue` behind the
// window; a message that finds the queue full is dropped and counted. Memory is bounded by
// (maxQueue + maxInFlight + sources) × messageBytes.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Observable, type OperatorFunction } from 'rxjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { bootTimeNs, type Batch } from 'kwire';
import { batchSlab, type BatchSlab } from 'kwire/gen';
import { encodeMessage } from './batch-message.js';
import { backoffMs, natsConnect, type ConnectionCounters } from './connect.js';
import { natsKind, type NatsKind } from './kinds.js';
import { ensureStream } from './stream.js';
import { checkSinkOptions, type NatsSinkOptions } from './sink-options.js';

export type { NatsSinkOptions } from './sink-options.js';

/** Events dropped by a sink, by why: none is ever dropped silently. */
export interface NatsDrops {
  /** The queue behind the in-flight window was full (the server, or the stream's consumers, are slower than the source). */
  queueFull: number;
  /** One batch alone is bigger than the server's max_payload. */
  tooLarge: number;
  /** A batch that is not a kwire decoder's (built by select() or by hand), or of a kind this kwire does not know. */
  unencodable: number;
  /** Queued or unacknowledged when the subscription ended (an unacknowledged one may have been stored). */
  closed: number;
}

/** A sink's counters. */
export interface NatsSinkStats extends ConnectionCounters {
  /** Batches and events received from upstream. */
  batches: number;
  events: number;
  /** Messages built, and those acknowledged by the stream (with their events and payload bytes). */
  messages: number;
  acked: number;
  ackedEvents: number;
  ackedBytes: number;
  /** Acks that said the stream had the message already (a re-send after a lost ack). */
  duplicates: number;
  /** Publishes sent again after a failure. */
  retries: number;
  /** Events dropped, by why; `messages` counts the dropped messages of every kind. */
  dropped: NatsDrops & { messages: number };
  /** Messages waiting for their ack now, waiting behind the window now, and the most that ever waited behind it. */
  inFlight: number;
  queued: number;
  maxQueued: number;
  /** The stream was missing and this sink created it. */
  streamCreated: boolean;
  /** The last publish failure, if any. */
  lastError?: string;
}

/** What a sink emits: one value per acknowledged message. */
export interface NatsPublished {
  readonly subject: string;
  /** Events in the message. */
  readonly events: number;
  /** The stream's ack: its name, the message's stream sequence, whether it was a duplicate. */
  readonly ack: PubAck;
}

/** An operator that publishes batches, with the counters of its current (or last) subscription. */
export interface NatsSink extends OperatorFunction<Batch<unknown>, NatsPublished> {
  /** Counters of the current (or last) subscription. */
  stats(): NatsSinkStats;
}

interface Pending {
  readonly subject: string;
  readonly id: string;
  readonly data: Uint8Array;
  readonly events: number;
  /** Publishes sent, failures met, whether one was acked, the timer of the next re-send. */
  sends: number;
  failures: number;
  acked: boolean;
  retry?: NodeJS.Timeout;
}

interface Builder {
  readonly kind: NatsKind;
  readonly subject: string;
  slabs: BatchSlab[];
  bytes: number;
  events: number;
  timer?: NodeJS.Timeout;
}

/**
 * An operator that publishes decoded batches to NATS JetStream as MessagePack messages on
 * `<subjectPrefix>.<host>.<source>`: acknowledged, deduplicated by message id, bounded in flight,
 * retried across reconnects with back-off, and every drop counted in `stats().dropped`. It creates the
 * stream (`KWIRE`, subjects `kwire.>`) when it is missing, with retention by age and size. It emits one
 * value per acknowledged message and completes when its input has completed and every message is acked.
 *
 * @example
 * const sink = natsSink({ servers: 'nats://central:4222' });
 * execs().pipe(sink).subscribe({ complete: () => console.log(sink.stats()) });
 * @throws KwireError EINVAL_ARGUMENT for a bad option; on subscribe, KwireError ENATS ends the stream
 *   when no server answers the first connect, or the stream cannot be found or created.
 */
export function natsSink(options: Readonly<Partial<NatsSinkOptions>> & Pick<NatsSinkOptions, 'servers'>): NatsSink {
  const o = checkSinkOptions('natsSink()', options);
  const host = o.host ?? hostname().replace(/[^A-Za-z0-9_-]/g, '_');
  let stats = emptySinkStats();

  const operator = ((input: Observable<Batch<unknown>>) =>
    new Observable<NatsPublished>((subscriber) => {
      const s = (stats = emptySinkStats());
      const session = randomBytes(6).toString('base64url');
      const boot = Math.round(Date.now() - Number(bootTimeNs()) / 1e6);
      const builders = new Map<string, Builder>();
      const queue: Pending[] = [];
      const retrying = new Set<NodeJS.Timeout>();
      const inFlight = new Set<Pending>();
      let nc: NatsConnection | undefined;
      let js: JetStreamClient | undefined;
      let maxPayload = 1 << 20;
      let messageSeq = 0;
      let eventSeq = 0;
      let inputDone = false;
      let closed = false;

      const drop = (why: keyof NatsDrops, events: number, messages = 1) => {
        s.dropped[why] += events;
        s.dropped.messages += messages;
      };

      const seal = (b: Builder) => {
        if (b.timer) clearTimeout(b.timer);
        builders.delete(b.kind.name);
        if (b.slabs.length === 0) return;
        const seq = messageSeq++;
        const data = encodeMessage({ host, source: b.kind.name, id: b.kind.id, layout: b.kind.layout, session, seq, first: eventSeq, boot }, b.slabs);
        eventSeq += b.events;
        s.messages++;
        if (data.byteLength > maxPayload) return drop('tooLarge', b.events);
        if (queue.length >= o.maxQueue) return drop('queueFull', b.events);
        queue.push({ subject: b.subject, id: `${host}.${b.kind.name}.${session}.${seq}`, data, events: b.events, sends: 0, failures: 0, acked: false });
        s.maxQueued = Math.max(s.maxQueued, queue.length);
        pump();
      };

      const add = (batch: Batch<unknown>) => {
        s.batches++;
        s.events += batch.length;
        if (batch.length === 0) return;
        const name = o.source ?? (batch.get(0) as { type?: unknown }).type;
        const kind = typeof name === 'string' ? natsKind(name) : undefined;
        const slab = kind && batchSlab(batch);
        if (!kind || !slab) return drop('unencodable', batch.length);
        const limit = Math.min(o.messageBytes, maxPayload - 4096); // room for the map around the batches
        let b = builders.get(kind.name);
        if (b && b.bytes + slab.bytes.byteLength > limit) seal(b), (b = undefined);
        if (!b) {
          b = { kind, subject: `${o.subjectPrefix}.${host}.${kind.name}`, slabs: [], bytes: 0, events: 0 };
          builders.set(kind.name, b);
          const sealing = b;
          b.timer = setTimeout(() => seal(sealing), o.lingerMs);
        }
        b.slabs.push(slab);
        b.bytes += slab.bytes.byteLength + 16;
        b.events += slab.length;
        if (b.bytes >= limit) seal(b);
      };

      // A message is sent again after a failure (with back-off) and at once after a reconnect (its
      // pending publish may never be answered); the first ack wins, later answers are ignored.
      const send = (m: Pending) => {
        if (closed || !js || m.acked) return;
        if (m.retry) retrying.delete(m.retry), clearTimeout(m.retry), (m.retry = undefined);
        const attempt = ++m.sends;
        js.publish(m.subject, m.data, { msgID: m.id, timeout: o.ackTimeoutMs }).then(
          (ack) => {
            if (closed || m.acked) return;
            m.acked = true;
            inFlight.delete(m);
            s.acked++;
            s.ackedEvents += m.events;
            s.ackedBytes += m.data.byteLength;
            if (ack.duplicate) s.duplicates++;
            subscriber.next({ subject: m.subject, events: m.events, ack });
            pump();
          },
          (error: unknown) => {
            if (closed || m.acked || attempt !== m.sends) return;
            s.retries++;
            s.lastError = (error as Error).message ?? String(error);
            const t = setTimeout(() => send(m), backoffMs(m.failures++));
            m.retry = t;
            retrying.add(t);
          },
        );
      };
      const resendAll = () => {
        for (const m of inFlight) {
          s.retries++;
          send(m);
        }
      };

      const pump = () => {
        if (!js) return;
        while (!closed && inFlight.size < o.maxInFlight && queue.length > 0) {
          const m = queue.shift()!;
          inFlight.add(m);
          send(m);
        }
        s.inFlight = inFlight.size;
        s.queued = queue.length;
        if (inputDone && builders.size === 0 && queue.length === 0 && inFlight.size === 0 && !closed) {
          closed = true;
          void nc!.drain().then(() => subscriber.complete(), (error: unknown) => subscriber.error(error));
        }
      };

      const upstream = input.subscribe({
        next: add,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          inputDone = true;
          for (const b of [...builders.values()]) seal(b);
          pump();
        },
      });

      natsConnect('natsSink()', o.servers, s, resendAll)
        .then(async (c) => {
          nc = c;
          if (closed) return void c.close();
          s.streamCreated = await ensureStream('natsSink()', c, o.stream, `${o.subjectPrefix}.>`, o);
          maxPayload = c.info?.max_payload ?? maxPayload;
          js = jetstream(c);
          pump();
        })
        .catch((error: unknown) => subscriber.error(error));

      return () => {
        upstream.unsubscribe();
        for (const b of builders.values()) if (b.timer) clearTimeout(b.timer);
        for (const t of retrying) clearTimeout(t);
        if (!closed) {
          closed = true;
          let events = queue.reduce((n, m) => n + m.events, 0) + [...inFlight].reduce((n, m) => n + m.events, 0);
          for (const b of builders.values()) events += b.events;
          const messages = queue.length + inFlight.size + builders.size;
          if (messages > 0) drop('closed', events, messages);
          void nc?.close();
        }
        s.inFlight = s.queued = 0;
      };
    })) as NatsSink;
  operator.stats = () => stats;
  return operator;
}

function emptySinkStats(): NatsSinkStats {
  return {
    batches: 0, events: 0, messages: 0, acked: 0, ackedEvents: 0, ackedBytes: 0, duplicates: 0, retries: 0,
    dropped: { queueFull: 0, tooLarge: 0, unencodable: 0, closed: 0, messages: 0 },
    inFlight: 0, queued: 0, maxQueued: 0, streamCreated: false, disconnects: 0, reconnects: 0,
  };
}

