import { kwireVersion } from '../platform/artifacts.js';
import type { StatusName } from './status.js';

/** A source's counters since it was attached. Loss is a value, not an error. */
export interface SourceStats {
  /** Records decoded and emitted. */
  received: number;
  batches: number;
  lost: {
    /** Records the kernel side could not output (BPF ring reserve failures, perf lost records). */
    kernel: number;
    /** Records the addon dropped (larger than half the shared ring). */
    ring: number;
    /** Records that reached the shared ring but were not yet decoded when the last subscriber left:
     *  counted as the source closed, never emitted (KernelSource.drain() delivers them first). */
    undelivered: number;
    /** A live ETW session: whole buffers of events its real-time consumer never received
     *  (RealTimeBuffersLost; `kernel` holds its EventsLost). */
    realTimeBuffers?: number;
  };
  /** Records skipped by the decoder, by status. */
  decodeErrors: Partial<Record<StatusName, number>>;
  /** Bytes published in the shared ring and not yet decoded. */
  queueLength: number;
  /** The shared ring's size in bytes (queueLength / ringCapacity is how full it is). */
  ringCapacity?: number;
  /** Times the shared ring was full and the addon paused reading the kernel. */
  ringFullWaits: number;
  /** The transport in use. */
  transport?: 'ringbuf' | 'perf';
  /** Perf transport: PERF_RECORD_LOST counts by CPU number. */
  lostByCpu?: Record<number, number>;
  /** The kwire that counted: its package version ({@link version}). */
  version: string;
}

export function emptyStats(): SourceStats {
  return { received: 0, batches: 0, lost: { kernel: 0, ring: 0, undelivered: 0 }, decodeErrors: {}, queueLength: 0, ringFullWaits: 0, version: kwireVersion };
}

/**
 * The number of records a source's decoder skipped, all statuses together.
 *
 * @example
 * const source = execs(); source.subscribe(); setTimeout(() => console.log(totalDecodeErrors(source.stats())), 1000);
 */
export function totalDecodeErrors(stats: SourceStats): number {
  return Object.values(stats.decodeErrors).reduce((a, b) => a + (b ?? 0), 0);
}
