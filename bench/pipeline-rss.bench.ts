// Kernel→subscriber memory: the process's RSS over 10^8 loadgen records (--quick: 10^7) through the
// ring buffer, flat out (losses allowed: this measures the pipeline's footprint, not its speed), in a
// process that runs nothing else. Sampled every 250 ms; growth = highest sample after the first
// second (JIT, first batches, ring pages) minus the first sample after it, and the same from a quarter
// of the run on (after warm-up: the figure the target is checked against).
// KWIRE_BENCH_RSS_LEASED=1: the source's leased() form (batches view the decoder's memory: no
// allocation per batch), written as pipeline-rss-leased.
// Run: pnpm exec tsx pipeline-rss.bench.ts [--quick]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadgen } from 'kwire';
import { quick, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const COUNT = Number(process.env.KWIRE_BENCH_RSS_COUNT ?? (quick ? 1e7 : 1e8));
const LEASED = process.env.KWIRE_BENCH_RSS_LEASED === '1';
const NAME = LEASED ? 'pipeline-rss-leased' : 'pipeline-rss';
const MiB = 2 ** 20;

const samples: { t: number; rss: number; heap: number; external: number }[] = [];
const t0 = performance.now();
const sample = () => {
  const m = process.memoryUsage();
  samples.push({ t: (performance.now() - t0) / 1000, rss: m.rss, heap: m.heapUsed, external: m.external });
};
sample();
const timer = setInterval(sample, 250);
const plain = loadgen({ transport: 'ringbuf', cpu: 0, count: COUNT, chunk: 1_000_000 });
const source = LEASED ? plain.leased() : plain;
let received = 0;
await new Promise<void>((resolve, reject) => source.subscribe({ next: (b) => void (received += b.length), complete: resolve, error: reject }));
clearInterval(timer);
sample();
const s = source.stats();
const seconds = (performance.now() - t0) / 1000;
const settled = samples.filter((x) => x.t >= 1);
const base = settled[0] ?? samples[samples.length - 1]!;
const max = settled.reduce((a, x) => (x.rss > a.rss ? x : a), base);
const last = samples[samples.length - 1]!;
const growth = (max.rss - base.rss) / MiB;
// After warm-up: from a quarter of the run on. The first seconds hold a plateau that is not per-record
// growth: optimised JS and WebAssembly code (tier-up), the allocator's arenas, and for owned batches
// the memory of batches V8 has not collected yet (it collects external memory in steps).
const warmT = samples[samples.length - 1]!.t / 4;
const warm = samples.filter((x) => x.t >= warmT);
const warmBase = warm[0] ?? last;
const warmMax = warm.reduce((a, x) => (x.rss > a.rss ? x : a), warmBase);
const warmGrowth = (warmMax.rss - warmBase.rss) / MiB;
const lostPct = (100 * (s.lost.kernel + s.lost.ring)) / s.generated;

const md = [
  `### Kernel → subscriber memory (RSS over ${COUNT.toExponential(0)} loadgen records, ring buffer, ${LEASED ? 'leased batches, ' : ''}its own process)`,
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}${quick ? ' (--quick)' : ''}. ${sharedNote}`,
  '',
  '| measure | value |',
  '|---|---:|',
  `| records generated / received | ${s.generated.toLocaleString('en')} / ${received.toLocaleString('en')} (${lostPct.toFixed(1)}% lost: flat out, losses allowed) |`,
  `| run time | ${seconds.toFixed(1)} s (${samples.length} samples) |`,
  `| RSS at 1 s | ${(base.rss / MiB).toFixed(1)} MiB |`,
  `| RSS highest after 1 s | ${(max.rss / MiB).toFixed(1)} MiB at ${max.t.toFixed(1)} s |`,
  `| RSS at the end | ${(last.rss / MiB).toFixed(1)} MiB |`,
  `| JS heap used at 1 s → end | ${(base.heap / MiB).toFixed(1)} → ${(last.heap / MiB).toFixed(1)} MiB |`,
  `| RSS growth from 1 s | ${growth.toFixed(1)} MiB |`,
  `| RSS at ${warmBase.t.toFixed(1)} s (a quarter of the run) → highest after it | ${(warmBase.rss / MiB).toFixed(1)} → ${(warmMax.rss / MiB).toFixed(1)} MiB at ${warmMax.t.toFixed(1)} s |`,
  `| **RSS growth after warm-up** | **${warmGrowth.toFixed(2)} MiB** (target < 1 MiB: ${warmGrowth < 1 ? 'met' : '**missed**'}) |`,
].join('\n');
writeFileSync(join(resultsDir, `${NAME}.json`), JSON.stringify({ machine: machine(), date: new Date().toISOString(), quick, shared: sharedNote, count: COUNT, generated: s.generated, received, lost: s.lost, seconds, baseMiB: base.rss / MiB, maxMiB: max.rss / MiB, endMiB: last.rss / MiB, growthFrom1sMiB: growth, growthMiB: warmGrowth, warmFromS: warmBase.t, samples }, null, 1) + '\n');
writeFileSync(join(resultsDir, `${NAME}.md`), md + '\n');
console.log(md);
