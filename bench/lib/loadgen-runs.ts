// The loadgen runs the pipeline and speed benchmarks share: one kwire subscription to loadgen() and
// one run of the C libbpf consumer (bench/c/consumer.c) on the same generator, and the search for the
// highest paced rate with zero loss.
import { loadgen, type LoadgenBatch, type LoadgenOptions, type LoadgenSource, type Transport } from 'kwire';
import { runConsumer, type ConsumerResult } from './consumer.js';

// Perf rings wake the reader every 64 samples in throughput runs (every sample costs an IPI on this
// VM: ~40 k records/s); every sample in latency runs. Both consumers use the same settings.
export const PERF_WAKEUP_THROUGHPUT = 64;
export const RING_BYTES = 8 << 20;

export interface Run {
  received: number;
  generated: number;
  lost: number;
  /** From the generator's start until every record was received or counted lost. */
  seconds: number;
  /** received / seconds */
  rate: number;
  /** generated / the generator's own wall time: the offered rate a paced run achieved. */
  offeredRate: number;
}

/** One subscription to loadgen() (`leased`: its leased() form), until it completes. */
export async function kwireRun(transport: Transport, options: Partial<LoadgenOptions>, onBatch?: (b: LoadgenBatch) => void, leased = false): Promise<Run & { first: number; last: number; firstLength: number; source: LoadgenSource }> {
  const plain = loadgen({ transport, cpu: 0, kernelRingBytes: RING_BYTES, perf: { wakeupEvents: PERF_WAKEUP_THROUGHPUT }, ...options });
  const source = leased ? plain.leased() : plain;
  let received = 0;
  let first = 0;
  let last = 0;
  let firstLength = 0;
  const start = performance.now();
  await new Promise<void>((resolve, reject) =>
    source.subscribe({
      next: (b) => {
        last = performance.now();
        if (first === 0) (first = last), (firstLength = b.length);
        received += b.length;
        onBatch?.(b);
      },
      complete: resolve,
      error: reject,
    }),
  );
  const s = source.stats();
  const seconds = s.settleNs > 0 ? s.settleNs / 1e9 : (performance.now() - start) / 1000;
  return { received, generated: s.generated, lost: s.lost.kernel + s.lost.ring, seconds, rate: received / seconds, offeredRate: s.generated / (s.generatorNs / 1e9), first, last, firstLength, source };
}

/** One run of the C consumer: `args` after the transport (sustained RATE SECONDS | drain COUNT | latency RATE SECONDS). */
export function cRun(transport: Transport, args: string[], wakeup = PERF_WAKEUP_THROUGHPUT, ringBytes = RING_BYTES, env: Record<string, string> = {}, cpus?: string): ConsumerResult & { lost: number; offeredRate: number } {
  const r = runConsumer([transport, ...args], { KW_WAKEUP_EVENTS: String(wakeup), KW_RING_BYTES: String(ringBytes), ...env }, cpus);
  return { ...r, lost: r.dropped, offeredRate: r.generatorSeconds ? r.generated / r.generatorSeconds : r.rate };
}

/** Highest paced rate with zero loss: starts at the flat-out consumption rate, backs off by 20%. */
export async function sustained(run: (rate: number) => Promise<Run> | Run, flat: Run): Promise<{ rate: number; offered: number; tries: number }> {
  let offered = Math.floor(flat.rate);
  for (let tries = 1; tries <= 5; tries++) {
    const r = await run(offered);
    // The rate the generator achieved (both sides pace the same way), not received / wall time, which
    // would also count the set-up and the last wake-up.
    if (r.lost === 0 && r.received === r.generated) return { rate: r.offeredRate, offered, tries };
    offered = Math.floor(offered * 0.8);
  }
  return { rate: 0, offered, tries: 5 };
}

