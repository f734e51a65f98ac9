// One kwire latency run in a fresh process, as the C consumer's runs are (speed.bench.ts spawns it):
// kernel timestamp to the subscriber at RATE records/s, one record per generator call, after a warm-up.
// Usage: tsx latency-child.ts TRANSPORT WAKE owned|leased RATE SECONDS WARMUP_S; prints [p50, p99, p99.9,
// context switches per record] in µs as JSON.
import type { LoadgenBatch, Transport } from 'kwire';
import { kwireRun } from './loadgen-runs.js';

const [transport, wake, form, rate, seconds, warmup] = process.argv.slice(2) as [Transport, 'adaptive' | 'thread', string, string, string, string];
const LATENCY_RATE = Number(rate);
const LATENCY_SECONDS = Number(seconds);
const LATENCY_WARMUP_S = Number(warmup);

/** CLOCK_MONOTONIC ns (the kernel's ts) minus performance.now() in ns: the pair read closest together. */
function monotonicOffsetNs(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 200; i++) {
    const a = performance.now();
    const h = Number(process.hrtime.bigint());
    const b = performance.now();
    if (b - a < best) (best = b - a), (offset = h - ((a + b) / 2) * 1e6);
  }
  return offset;
}

/** Latency of every record after the warm-up, in µs, read without allocating per record (the ts column's
 *  two 32-bit halves; a leased batch's view is made once, as the batch itself is). */
export async function kwireLatency(transport: Transport, wake: 'adaptive' | 'thread', leased: boolean): Promise<number[]> {
  const total = LATENCY_RATE * (LATENCY_SECONDS + LATENCY_WARMUP_S);
  const lat = new Float64Array(total);
  let n = 0;
  let warmUntil = -1;
  const halves = new Map<BigUint64Array, Uint32Array>();
  const offset = monotonicOffsetNs();
  const before = process.resourceUsage();
  await kwireRun(transport, { count: total, ratePerSecond: LATENCY_RATE, chunk: 1, perf: { wakeupEvents: 1 }, batchSize: 1024, wake }, (b: LoadgenBatch) => {
    const now = performance.now() * 1e6 + offset; // no allocation (process.hrtime() makes an array)
    let w = leased ? halves.get(b.ts) : undefined;
    if (w === undefined) {
      w = new Uint32Array(b.ts.buffer, b.ts.byteOffset, b.length * 2);
      if (leased) halves.set(b.ts, w);
    }
    for (let i = 0; i < b.length; i++) {
      const ts = w[2 * i + 1]! * 4294967296 + w[2 * i]!;
      if (warmUntil < 0) warmUntil = ts + LATENCY_WARMUP_S * 1e9;
      if (ts >= warmUntil && n < total) lat[n++] = (now - ts) / 1e3;
    }
  }, leased);
  const after = process.resourceUsage();
  const sorted = lat.subarray(0, n).sort();
  const pct = (p: number) => sorted[Math.min(n - 1, Math.floor(n * p))]!;
  // Context switches per record, the whole process (generator thread included, alike for every mode).
  const switches = (after.voluntaryContextSwitches + after.involuntaryContextSwitches - before.voluntaryContextSwitches - before.involuntaryContextSwitches) / total;
  return [pct(0.5), pct(0.99), pct(0.999), switches];
}

console.log(JSON.stringify(await kwireLatency(transport, wake, form === 'leased')));
