// Kernel→subscriber: bpf/loadgen.bpf.c → addon → shared ring → WASM → RxJS batch subscriber, against
// libbpf's ring_buffer__poll / perf_buffer__poll in C (bench/c/consumer.c) on the same generator, in
// the same run. Sustained rate with zero loss, drain of a pre-filled ring, latency at 10 000 records/s,
// and the process's RSS over a long run.
// Run: pnpm exec tsx pipeline.bench.ts [--quick] [--reps N]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadgen, type LoadgenOptions, type Transport } from 'kwire';
import { runConsumer, type ConsumerResult } from './lib/consumer.js';
import { median, quick, reps, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const transports: Transport[] = ['ringbuf', 'perf'];
const PACED_SECONDS = quick ? 0.3 : 1;
const FLAT_COUNT = quick ? 1_000_000 : 3_000_000;
const DRAIN_COUNT = quick ? 200_000 : 500_000;
const LATENCY_RATE = 10_000;
const LATENCY_SECONDS = quick ? 1 : 3;
const RSS_COUNT = Number(process.env.KWIRE_BENCH_RSS_COUNT ?? (quick ? 1e7 : 1e8));
// Perf rings wake the reader every 64 samples in throughput runs (every sample costs an IPI on this
// VM: ~40 k records/s); every sample in latency runs. Both consumers use the same settings.
const PERF_WAKEUP_THROUGHPUT = 64;
const RING_BYTES = 8 << 20;

interface Run {
  received: number;
  generated: number;
  lost: number;
  seconds: number;
  rate: number;
}

async function kwireRun(transport: Transport, options: Partial<LoadgenOptions>, onBatch?: (b: import('kwire').LoadgenBatch) => void): Promise<Run & { first: number; last: number; firstLength: number }> {
  const source = loadgen({ transport, cpu: 0, kernelRingBytes: RING_BYTES, perf: { wakeupEvents: PERF_WAKEUP_THROUGHPUT }, ...options });
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
  const seconds = (performance.now() - start) / 1000;
  const s = source.stats();
  return { received, generated: s.generated, lost: s.lost.kernel + s.lost.ring, seconds, rate: received / seconds, first, last, firstLength };
}

function cRun(transport: Transport, args: string[], wakeup = PERF_WAKEUP_THROUGHPUT, ringBytes = RING_BYTES): ConsumerResult & { lost: number } {
  const r = runConsumer([transport, ...args], { KW_WAKEUP_EVENTS: String(wakeup), KW_RING_BYTES: String(ringBytes) });
  return { ...r, lost: r.dropped };
}

/** Highest paced rate with zero loss: starts at the flat-out consumption rate, backs off by 20%. */
async function sustained(run: (rate: number) => Promise<Run> | Run, flat: Run): Promise<{ rate: number; offered: number; tries: number }> {
  let offered = Math.floor(flat.rate);
  for (let tries = 1; tries <= 5; tries++) {
    const r = await run(offered);
    if (r.lost === 0 && r.received === r.generated) return { rate: r.rate, offered, tries };
    offered = Math.floor(offered * 0.8);
  }
  return { rate: 0, offered, tries: 5 };
}

interface Sample {
  flat: { kwire: number; c: number };
  sustained: { kwire: number; c: number };
  drain: { kwire: number; c: number };
}

const samples: Record<Transport, Sample[]> = { ringbuf: [], perf: [] };
for (let rep = 0; rep < reps; rep++) {
  for (const transport of transports) {
    const kFlat = await kwireRun(transport, { count: FLAT_COUNT });
    const cFlat = cRun(transport, ['sustained', '0', String(FLAT_COUNT / 5e6)]);
    const kSus = await sustained(
      (rate) => kwireRun(transport, { count: Math.round(rate * PACED_SECONDS), ratePerSecond: rate, chunk: Math.max(1, Math.round(rate / 1000)) }),
      kFlat,
    );
    const cSus = await sustained((rate) => cRun(transport, ['sustained', String(rate), String(PACED_SECONDS)]), cFlat);
    const drainRing = 64 << 20;
    // kwire's perf rings exist only once its reader is open, so only the ring buffer can be pre-filled.
    const kDrain = transport === 'ringbuf' ? await kwireRun(transport, { count: DRAIN_COUNT, prefill: true, kernelRingBytes: drainRing, ringCapacity: 64 << 20, batchSize: 8192 }) : undefined;
    const cDrain = cRun(transport, ['drain', String(DRAIN_COUNT)], PERF_WAKEUP_THROUGHPUT, drainRing);
    // From the first batch to the last: the reader opens after the ring was filled.
    const kDrainRate = kDrain ? (kDrain.received - kDrain.firstLength) / ((kDrain.last - kDrain.first) / 1000) : NaN;
    samples[transport].push({
      flat: { kwire: kFlat.rate, c: cFlat.rate },
      sustained: { kwire: kSus.rate, c: cSus.rate },
      drain: { kwire: kDrainRate, c: cDrain.rate },
    });
    console.error(`rep ${rep + 1}/${reps} ${transport}: flat ${fmt(kFlat.rate)} vs C ${fmt(cFlat.rate)}; zero-loss ${fmt(kSus.rate)} vs C ${fmt(cSus.rate)}; drain ${fmt(kDrainRate)} vs C ${fmt(cDrain.rate)} (kwire drain lost ${kDrain?.lost ?? 'n/a'})`);
  }
}

// Latency at a fixed 10 000 records/s: kernel timestamp (CLOCK_MONOTONIC) to the subscriber's batch.
const latency: Record<Transport, { kwire: number[]; c: number[] }> = { ringbuf: { kwire: [], c: [] }, perf: { kwire: [], c: [] } };
for (const transport of transports) {
  const lat: bigint[] = [];
  await kwireRun(transport, { count: LATENCY_RATE * LATENCY_SECONDS, ratePerSecond: LATENCY_RATE, chunk: 1, perf: { wakeupEvents: 1 }, batchSize: 1024 }, (b) => {
    const now = process.hrtime.bigint();
    for (let i = 0; i < b.length; i++) lat.push(now - b.ts[i]!);
  });
  const us = lat.map((x) => Number(x) / 1e3).sort((a, b) => a - b);
  const pct = (p: number) => us[Math.min(us.length - 1, Math.floor(us.length * p))]!;
  latency[transport].kwire = [pct(0.5), pct(0.99), pct(0.999)];
  const c = cRun(transport, ['latency', String(LATENCY_RATE), String(LATENCY_SECONDS)], 1);
  latency[transport].c = [c.p50Us!, c.p99Us!, c.p999Us!];
  console.error(`latency ${transport}: kwire p50/p99/p99.9 ${latency[transport].kwire.map((x) => x.toFixed(0)).join('/')} µs; C ${latency[transport].c.map((x) => x.toFixed(0)).join('/')} µs`);
}

// Memory: RSS over a long flat-out run (losses allowed: this measures the pipeline's footprint).
const rss: number[] = [];
const timer = setInterval(() => rss.push(process.memoryUsage.rss()), 250);
const rssRun = await kwireRun('ringbuf', { count: RSS_COUNT, chunk: 1_000_000 });
clearInterval(timer);
const settled = rss.slice(Math.min(rss.length - 1, 4)); // after the first second (JIT, first batches)
const rssGrowthMb = (Math.max(...settled) - settled[0]!) / 2 ** 20;
console.error(`rss: ${RSS_COUNT} records (${rssRun.received} received) in ${rssRun.seconds.toFixed(1)} s: start ${(settled[0]! / 2 ** 20).toFixed(1)} MiB, max ${(Math.max(...settled) / 2 ** 20).toFixed(1)} MiB, growth ${rssGrowthMb.toFixed(1)} MiB`);

function fmt(rate: number): string {
  return Number.isNaN(rate) ? 'n/a' : `${(rate / 1e6).toFixed(2)} M/s`;
}

const med = (t: Transport, f: (s: Sample) => number) => median(samples[t].map(f));
const rows: string[] = [];
const json: Record<string, unknown> = {};
for (const t of transports) {
  const m = {
    flatKwire: med(t, (s) => s.flat.kwire),
    flatC: med(t, (s) => s.flat.c),
    sustainedKwire: med(t, (s) => s.sustained.kwire),
    sustainedC: med(t, (s) => s.sustained.c),
    sustainedRatio: med(t, (s) => (s.sustained.c > 0 ? s.sustained.kwire / s.sustained.c : 0)),
    drainKwire: med(t, (s) => s.drain.kwire),
    drainC: med(t, (s) => s.drain.c),
    latencyKwireUs: latency[t].kwire,
    latencyCUs: latency[t].c,
  };
  json[t] = { ...m, samples: samples[t] };
  rows.push(
    `| ${t} | sustained, zero loss | ${fmt(m.sustainedKwire)} | ${fmt(m.sustainedC)} | ${m.sustainedRatio.toFixed(2)}× | ≥ 0.8× |`,
    `| ${t} | flat out (losses allowed) | ${fmt(m.flatKwire)} | ${fmt(m.flatC)} | ${(m.flatKwire / m.flatC).toFixed(2)}× | |`,
    `| ${t} | drain of a full ring, decoded | ${fmt(m.drainKwire)} | ${fmt(m.drainC)} | ${(m.drainKwire / m.drainC).toFixed(2)}× | ≥ 20 M/s |`,
    `| ${t} | latency p50 / p99 / p99.9 at 10 k/s | ${m.latencyKwireUs.map((x) => x.toFixed(0)).join(' / ')} µs | ${m.latencyCUs.map((x) => x.toFixed(0)).join(' / ')} µs | | p99 < 1000 µs |`,
  );
}
json.rss = { records: RSS_COUNT, received: rssRun.received, seconds: rssRun.seconds, startMiB: settled[0]! / 2 ** 20, maxMiB: Math.max(...settled) / 2 ** 20, growthMiB: rssGrowthMb };
const md = [
  `### Kernel → subscriber (loadgen, 104-byte records; kwire = addon → shared ring → WASM → RxJS batches; C = libbpf)`,
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${reps} runs${quick ? ' (--quick)' : ''}; latency and RSS: one run. ${sharedNote}`,
  '',
  '| transport | measure | kwire | C libbpf | kwire / C | target |',
  '|---|---|---:|---:|---:|---|',
  ...rows,
  '',
  `RSS over ${RSS_COUNT.toExponential(0)} records (ringbuf, flat out, ${rssRun.received.toLocaleString('en')} received in ${rssRun.seconds.toFixed(1)} s): ${(settled[0]! / 2 ** 20).toFixed(1)} MiB after warm-up, max ${(Math.max(...settled) / 2 ** 20).toFixed(1)} MiB, growth ${rssGrowthMb.toFixed(1)} MiB (target < 10 MB).`,
  '',
  `Generator: BPF_PROG_TEST_RUN of kw_loadgen on a thread pinned to CPU 0; both consumers use the same kernel ring (${RING_BYTES >> 20} MiB; perf: per CPU) and, for perf, a wake-up every ${PERF_WAKEUP_THROUGHPUT} samples (every sample for latency). Sustained = highest paced rate (starting from the flat-out rate, −20% per try) at which nothing was lost.`,
].join('\n');
writeFileSync(join(resultsDir, 'pipeline.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), quick, reps, shared: sharedNote, ...json }, null, 2) + '\n');
writeFileSync(join(resultsDir, 'pipeline.md'), md + '\n');
console.log(md);
