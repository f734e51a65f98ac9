// The one lifetime every source is built on, whatever produces its records: subscribing instantiates
// a decoder, allocates the shared ring inside its memory and opens the producer (producer.ts); each
// wake-up drains the ring through the WASM decoder into batches; unsubscribing (or an error, or the
// producer's end) closes the producer. Subscribers share one producer, ref-counted.
import { Observable } from 'rxjs';
import { multicast } from './multicast.js';
import { instantiateDecoders } from './decoders.js';
import { DecodeError } from '../errors.js';
import { beginLease, endLease, type LeaseCopier } from './lease.js';
import type { OpenProducer, Producer } from './producer.js';
import type { RecordDecoder } from './record-decoder.js';
import { allocateSharedRing, RingLayout } from './shared-ring.js';
import { kwireVersion } from '../platform/artifacts.js';
import { emptyStats, type SourceStats } from './stats.js';
import { Status, STATUS_COUNT, statusNames } from './status.js';

/** What {@link kernelSource} composes: a producer, a record decoder, the shared ring's size and the batch size. */
export interface KernelSourceSpec<B> {
  producer: Producer;
  decoder: RecordDecoder<B>;
  /** Shared ring data bytes (power of two). */
  ringCapacity: number;
  /** Records per batch at most. */
  batchSize: number;
  /** Leased batches (pipeline/lease.ts): columns viewing the decoder's memory, valid during next(). */
  lease?: boolean;
}

/** A cold, shared Observable of batches, with the stats of its current (or last) attachment. */
export interface KernelSource<B> extends Observable<B> {
  /** The counters of the current attachment, or of the last one once every subscriber has left. */
  stats(): SourceStats;
  /** Decodes and emits, now, every record the shared ring holds: call it before a planned unsubscribe
   *  (a --duration's end, Ctrl-C) so that nothing that reached user space is left undelivered. */
  drain(): void;
  /**
   * The same source (its own attachment) emitting leased batches: their columns view the decoder's
   * memory, without a copy or an allocation, and are valid only until next() returns; `keep(batch)`
   * inside next() gives a batch that owns its memory.
   */
  leased(): KernelSource<B>;
}

/**
 * The source every kwire source is built on: a cold, shared Observable of batches. Subscribing checks
 * the producer's privileges, instantiates the decoder, allocates the shared ring and opens the producer;
 * the last unsubscribe closes it.
 *
 * @example
 * const frames = kernelSource({ producer: fdProducer({ what: 'reading toys', input: 'toys.bin' }), decoder, ringCapacity: 1 << 20, batchSize: 1024 });
 * @throws never itself; on subscribe, the producer's errors arrive as the Observable's error (a
 *   PermissionError from its check, KwireError ENATIVE or ENOT_BUILT from its open), and DecodeError
 *   when the shared ring holds an impossible frame header.
 */
export function kernelSource<B>(spec: KernelSourceSpec<B>): KernelSource<B> {
  let current: (() => SourceStats) | undefined;
  let drainCurrent: (() => void) | undefined;
  let last = emptyStats();
  const { producer, decoder } = spec;
  const cold = new Observable<B>((subscriber) => {
    producer.check?.();
    const d = instantiateDecoders(decoder.module?.());
    d.leased = spec.lease === true;
    decoder.init(d, spec.batchSize);
    const ring = allocateSharedRing(d, spec.ringCapacity);
    let open: OpenProducer | undefined;
    let received = 0;
    let batches = 0;
    let undelivered = 0;

    const readStats = (): SourceStats => {
      const counters = open?.counters() ?? {};
      const decodeErrors: SourceStats['decodeErrors'] = {};
      for (let c = 1; c < STATUS_COUNT; c++) {
        const n = decoder.errors(d, c);
        if (n > 0) decodeErrors[statusNames[c]!] = n;
      }
      return {
        received,
        batches,
        lost: {
          kernel: counters.lostKernel ?? ring.counter(RingLayout.kernelLost),
          ring: ring.counter(RingLayout.oversize),
          undelivered,
          ...(counters.lostRealTimeBuffers !== undefined ? { realTimeBuffers: counters.lostRealTimeBuffers } : {}),
        },
        ...(counters.transport ? { transport: counters.transport } : {}),
        ...(counters.lostByCpu ? { lostByCpu: counters.lostByCpu } : {}),
        decodeErrors,
        queueLength: ring.pending(),
        ringCapacity: spec.ringCapacity,
        ringFullWaits: ring.counter(RingLayout.fullWaits),
        version: kwireVersion,
      };
    };

    const drain = (): void => {
      while (!subscriber.closed) {
        d.exports.cursorRing(ring.base);
        const n = decoder.decode(d);
        const status = decoder.status(d);
        if (status === Status.ringCorrupt) {
          subscriber.error(new DecodeError(decoder.source, status, 'the shared ring holds an impossible frame header'));
          return;
        }
        if (n === 0) return;
        received += n;
        batches++;
        if (d.leased) emitLeased(n);
        else subscriber.next(decoder.batch(d, n));
      }
    };

    // The owned copy keep() makes: the same columns, copied out of the decoder's output.
    const copier: LeaseCopier = {
      copy: (n) => {
        d.leased = false;
        try {
          return decoder.batch(d, n) as B & object;
        } finally {
          d.leased = true;
        }
      },
    };
    const emitLeased = (n: number): void => {
      const batch = decoder.batch(d, n) as B & object;
      beginLease(batch, copier, n);
      try {
        subscriber.next(batch);
      } finally {
        endLease();
      }
    };

    /** After the producer closed: the records left in the shared ring, decoded only to be counted. */
    const countLeft = (): number => {
      let left = 0;
      for (;;) {
        d.exports.cursorRing(ring.base);
        const n = decoder.decode(d);
        if (n === 0 || decoder.status(d) === Status.ringCorrupt) return left;
        left += n;
      }
    };

    const close = (): void => {
      if (open) {
        // What the JS thread's reader left in the kernel ring is delivered to user space too: counted
        // below with the rest, not lost without a count.
        open.flush?.();
        const counted = readStats(); // the producer's counters, while it is open
        open.close();
        undelivered += countLeft();
        last = { ...counted, lost: { ...counted.lost, undelivered }, queueLength: ring.pending() };
      }
      open = undefined;
      current = undefined;
      drainCurrent = undefined;
    };

    try {
      open = producer.open({
        ring: ring.view(),
        sourceId: decoder.sourceId,
        onData: drain,
        complete: () => {
          drain();
          subscriber.complete();
        },
        error: (e) => subscriber.error(e),
        stats: readStats,
      });
      current = readStats;
      // a planned stop: first what the kernel ring still holds (a latency bound may keep records
      // there), then everything the shared ring has
      drainCurrent = () => {
        open?.flush?.();
        drain();
      };
    } catch (error) {
      close();
      subscriber.error(error);
      return;
    }
    return close;
  });
  const shared = multicast(cold) as KernelSource<B>;
  shared.stats = () => (current ? current() : last);
  shared.drain = () => drainCurrent?.();
  shared.leased = () => (spec.lease ? shared : kernelSource({ ...spec, lease: true }));
  return shared;
}
