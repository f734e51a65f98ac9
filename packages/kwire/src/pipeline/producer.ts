// A producer fills a source's shared ring with frames from its own fd or thread: a BPF ring buffer or
// perf buffer (producers/bpf.ts), a file or socket (producers/fd.ts), later a netlink socket or an ETW
// session. The pipeline (pipeline/source.ts) owns the ring, the decoder and the subscribers; a
// producer only opens, starts, reports what it lost, and closes.
import type { SourceStats } from './stats.js';

export interface ProducerContext {
  /** The shared ring's whole region (header + data), as the addon's readers take it. */
  readonly ring: Uint8Array;
  /** Frame source id the producer tags its frames with. */
  readonly sourceId: number;
  /** Called after frames were published (the pipeline drains the ring). */
  readonly onData: () => void;
  /** The producer is done: the pipeline drains what is left and completes. */
  complete(): void;
  /** The producer failed after it opened: the pipeline closes it and errors. */
  error(error: unknown): void;
  /** The source's counters so far (for producers that drive a workload until it is all accounted). */
  stats(): SourceStats;
}

/** What the pipeline reads from an open producer for stats(). */
export interface ProducerCounters {
  /** Records the producer's side lost (a BPF drop counter, perf LOST records, ENOBUFS). Default: the
   *  ring header's kernelLost counter. */
  lostKernel?: number;
  /** Buffers the producer's side lost whole (ETW's RealTimeBuffersLost): lost.realTimeBuffers. */
  lostRealTimeBuffers?: number;
  transport?: SourceStats['transport'];
  lostByCpu?: Record<number, number>;
}

export interface OpenProducer {
  /** The producer's counters now, for the source's stats(). */
  counters(): ProducerCounters;
  /** Moves what the producer's kernel side holds into the shared ring now, when the producer reads on
   *  the JS thread (the addon's Reader.flush): before a planned stop, so a drain finds it. */
  flush?(): void;
  /** Idempotent. */
  close(): void;
}

export interface Producer {
  /** What the source does, for messages: 'tracing exec events'. */
  readonly what: string;
  /** Before anything opens: throws a PermissionError naming what is missing. */
  check?(): void;
  /** Opens the kernel side and starts filling `context.ring`. Throws on failure (having closed what it opened). */
  open(context: ProducerContext): OpenProducer;
}
