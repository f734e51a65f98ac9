// loadgen(): the source of loadgen records (the kind: loadgen.ts): records from bpf/loadgen.bpf.c, a tc program run with BPF_PROG_TEST_RUN and `repeat`
// (never attached): millions of 104-byte records per second with no traffic, for tests and benchmarks.
// Subscribing loads the object, opens the transport, runs the generator off the JS thread, and
// completes once every generated record was received or counted lost.
import { Observable } from 'rxjs';
import type { BpfObject } from '../platform/addon.js';
import { KwireError } from '../errors.js';
import { kernelSource, type KernelSource } from '../pipeline/source.js';
import { bpfProducer, u32Bytes } from '../producers/bpf.js';
import { loadgenDecoder, type LoadgenBatch } from '../generated/loadgen.js';
import { nativeCall } from '../platform/native.js';
import { emptyStats, totalDecodeErrors, type SourceStats } from '../pipeline/stats.js';
import { checkOptions } from '../validate.js';
import { resolveTransport, TransportMap, wakeOptions, type TransportOptions } from '../pipeline/transport.js';

export interface LoadgenOptions extends TransportOptions {
  /** Records to generate (rounded up to a multiple of `burst`). Default 1 000 000. */
  count: number;
  /** Records per program run, 1..64. Default 1. */
  burst: number;
  /** Pin the generating thread to this CPU. Default: not pinned (-1). */
  cpu: number;
  /** Records per second, paced in calls of `chunk` records. Default 0: as fast as possible. */
  ratePerSecond: number;
  /** Records per BPF_PROG_TEST_RUN call. Default: all at once, or 1 when paced. */
  chunk: number;
  /** Generate everything while the reader is open but paused, then start it (to measure the drain of
   *  a full ring; perf: into the rings of the CPUs the generator ran on). Default false. */
  prefill: boolean;
  /** BPF ring buffer bytes (power of two, >= 4096). Default 8 MiB. */
  kernelRingBytes: number;
  /** Tag written into every record. Default 0. */
  tag: number;
  /** Shared ring bytes (power of two). Default 16 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default 4096. */
  batchSize: number;
}

export interface LoadgenStats extends SourceStats {
  /** Records the program generated (sum of its per-CPU sequence counters). */
  generated: number;
  /** Records the transport refused, as counted by the BPF program (perf: equals lost.kernel once flushed). */
  dropped: number;
  /** Wall time of the generator's runs. */
  generatorNs: number;
  /** Wall time from the generator's start (with prefill: the reader's start) until every generated
   *  record was received or counted lost: what a throughput is measured over. */
  settleNs: number;
}

/** The loadgen source: a cold Observable of batches, with generator counters in its stats(). */
export interface LoadgenSource extends Observable<LoadgenBatch> {
  /** The counters of the current (or last) run: the source's and the generator's. */
  stats(): LoadgenStats;
  /** The same records as leased batches (KernelSource.leased): valid until next() returns; keep() to hold one. */
  leased(): LoadgenSource;
}

const MAX_CPUS = 64; // bpf/include/loadgen.h LOADGEN_MAX_CPUS
const STALL_MS = 5000; // no progress for this long after generating: complete with what arrived

interface Counters {
  generated: number;
  dropped: number;
  byCpu: { seq: number; dropped: number }[];
}

function readCounters(object: BpfObject): Counters {
  const bytes = nativeCall('loadgen', () => object.readGlobal('kw_cpu'));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const byCpu = [];
  let generated = 0;
  let dropped = 0;
  for (let c = 0; c < MAX_CPUS; c++) {
    const seq = Number(view.getBigUint64(c * 64, true));
    const d = Number(view.getBigUint64(c * 64 + 8, true));
    byCpu.push({ seq, dropped: d });
    generated += seq;
    dropped += d;
  }
  return { generated, dropped, byCpu };
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KwireError('EINVAL_ARGUMENT', `loadgen(): ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/**
 * Synthetic records from kwire's load generator (a BPF program run with BPF_PROG_TEST_RUN), through
 * the same ring buffer or perf buffer path as a live source: for benchmarks and loss tests. Completes
 * once every generated record is accounted for (received or lost).
 *
 * @example
 * loadgen({ count: 100_000, burst: 16 }).subscribe({ complete: () => console.log('done') });
 * @throws KwireError EINVAL_ARGUMENT for a bad option; on subscribe, PermissionError naming the
 *   missing capabilities, KwireError ENATIVE or ENOT_BUILT.
 */
export function loadgen(options: Readonly<Partial<LoadgenOptions>> = {}): LoadgenSource {
  checkOptions('loadgen()', options, 'options', ['count', 'burst', 'cpu', 'ratePerSecond', 'chunk', 'prefill', 'kernelRingBytes', 'tag', 'ringCapacity', 'batchSize', 'transport', 'perf', 'wake', 'latencyBoundMs']);
  const { count = 1_000_000, burst = 1, cpu = -1, ratePerSecond = 0, prefill = false, tag = 0 } = options;
  const { kernelRingBytes = 8 << 20, ringCapacity = 16 << 20, batchSize = 4096 } = options;
  check('count', count, 1, Number.MAX_SAFE_INTEGER);
  check('burst', burst, 1, 64);
  check('cpu', cpu, -1, MAX_CPUS - 1);
  check('tag', tag, 0, 0xffffffff);
  if (kernelRingBytes < 4096 || (kernelRingBytes & (kernelRingBytes - 1)) !== 0) {
    throw new KwireError('EINVAL_ARGUMENT', `loadgen(): kernelRingBytes must be a power of two >= 4096, got ${kernelRingBytes}`);
  }
  const wake = wakeOptions(options, 'loadgen()');
  const transport = resolveTransport(options.transport, 'loadgen()');
  const runs = Math.ceil(count / burst);
  // Program runs per BPF_PROG_TEST_RUN call (the addon takes repeat as an int).
  const chunk = Math.min(2 ** 31 - 1, Math.max(1, Math.ceil((options.chunk ?? (ratePerSecond > 0 ? burst : runs * burst)) / burst)));
  const intervalNs = ratePerSecond > 0 ? Math.round((chunk * burst * 1e9) / ratePerSecond) : 0;
  const pin = cpu >= 0 ? { cpu } : {};

  let counters: Counters = { generated: 0, dropped: 0, byCpu: [] };
  let generatorNs = 0;
  let settleNs = 0;

  const generate = async (object: BpfObject): Promise<void> => {
    const full = Math.floor(runs / chunk);
    const rest = runs % chunk;
    if (full > 0) generatorNs += (await object.testRun('kw_loadgen', { repeat: chunk, batches: full, intervalNs, ...pin })).durationNs;
    if (rest > 0) generatorNs += (await object.testRun('kw_loadgen', { repeat: rest, ...pin })).durationNs;
  };

  const producer = bpfProducer({
    what: 'generating loadgen records',
    object: 'loadgen',
    map: TransportMap.ringbuf,
    globals: { tag: u32Bytes(tag), burst: u32Bytes(burst) },
    transport,
    ...wake,
    perfOptions: { pageCount: Math.max(1, kernelRingBytes / 4096), wakeupEvents: 1, ...options.perf },
    configure: (o) => {
      if (transport === 'ringbuf') o.setMaxEntries(TransportMap.ringbuf, kernelRingBytes);
    },
    ...(prefill ? { prepare: (o: BpfObject) => generate(o) } : {}),
    started: (ctx) => {
      let stopped = false;
      const settle = async (): Promise<void> => {
        const t0 = performance.now();
        if (!prefill) await generate(ctx.object);
        let seen = -1;
        let since = Date.now();
        for (let flushes = 0; !stopped; ) {
          counters = readCounters(ctx.object);
          const s = ctx.stats();
          const accounted = s.received + totalDecodeErrors(s) + counters.dropped;
          if (accounted >= counters.generated) {
            if (settleNs === 0) settleNs = Math.round((performance.now() - t0) * 1e6);
            // Perf reports a loss (PERF_RECORD_LOST) only with the next record written on that CPU:
            // flush each CPU whose report lags with one more run there, at most a few times.
            const lagging = transport === 'perf' ? counters.byCpu.map((c, i) => (c.dropped > (s.lostByCpu?.[i] ?? 0) ? i : -1)).filter((i) => i >= 0) : [];
            if (lagging.length === 0 || flushes++ >= 3) break;
            for (const c of lagging) await ctx.object.testRun('kw_loadgen', { repeat: 1, cpu: c });
            continue;
          }
          if (accounted !== seen) (seen = accounted), (since = Date.now());
          else if (Date.now() - since > STALL_MS) break;
          await new Promise((r) => setTimeout(r, 1));
        }
        if (!stopped) ctx.complete();
      };
      settle().catch((e) => {
        if (!stopped) ctx.error(e);
      });
      return () => {
        stopped = true;
        try {
          counters = readCounters(ctx.object);
        } catch {
          // the object failed: keep the last counters
        }
      };
    },
  });
  // The generator's counters beside the source's; the leased form shares them (one run at a time).
  const withGenerator = (inner: KernelSource<LoadgenBatch>): LoadgenSource => {
    const innerStats = inner.stats;
    const source = inner as unknown as LoadgenSource;
    source.stats = () => {
      const s = innerStats() ?? emptyStats();
      return {
        ...s,
        lost: { ...s.lost, kernel: transport === 'perf' ? s.lost.kernel : counters.dropped },
        generated: counters.generated,
        dropped: counters.dropped,
        generatorNs,
        settleNs,
      };
    };
    const leased = inner.leased;
    source.leased = () => withGenerator(leased());
    return source;
  };
  return withGenerator(kernelSource<LoadgenBatch>({ producer, decoder: loadgenDecoder, ringCapacity, batchSize }));
}
