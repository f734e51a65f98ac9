// Timing: each case runs in rounds of at least `minMs`, after a warm-up; the result is the median
// nanoseconds per record over the rounds, so one slow round (GC, the other core busy) does not count.
import { performance } from 'node:perf_hooks';
import { quick } from './options.js';

export interface CaseResult {
  name: string;
  nsPerRecord: number;
  recordsPerSecond: number;
  rounds: number;
}

export function measure(name: string, records: number, run: () => unknown, rounds = quick ? 7 : 15, minMs = quick ? 20 : 40): CaseResult {
  for (let i = 0; i < 5; i++) run(); // warm-up: JIT and WASM tiers
  const samples: number[] = [];
  let sink: unknown;
  for (let r = 0; r < rounds; r++) {
    let iterations = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      sink = run();
      iterations++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    samples.push((elapsed * 1e6) / (iterations * records));
  }
  if (sink === Symbol.for('never')) console.log(sink); // keeps `run`'s result alive
  samples.sort((a, b) => a - b);
  const ns = samples[Math.floor(samples.length / 2)]!;
  return { name, nsPerRecord: ns, recordsPerSecond: 1e9 / ns, rounds };
}
