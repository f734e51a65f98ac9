// Kernel→subscriber: bpf/loadgen.bpf.c → addon → shared ring → WASM → RxJS batch subscriber, against
// libbpf's ring_buffer__poll / perf_buffer__poll in C (bench/c/consumer.c) on the same generator, in
// the same run. Sustained rate with zero loss, drain of a pre-filled ring, latency at 10 000 records/s.
// The RSS over 10^8 records runs in its own process: pipeline-rss.bench.ts.
// Run: pnpm exec tsx pipeline.bench.ts [--quick] [--reps N]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Transport } from 'kwire';
import { cRun, kwireRun, PERF_WAKEUP_THROUGHPUT, RING_BYTES, sustained } from './lib/loadgen-runs.js';
import { median, quick, reps, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const transports: Transport[] = ['ringbuf', 'perf'];
const PACED_SECONDS = quick ? 0.3 : 1;
const FLAT_COUNT = quick ? 1_000_000 : 3_000_000;
const DRAIN_COUNT = quick ? 200_000 : 500_000;
const LATENCY_RATE = 10_000;
const LATENCY_SECONDS = quick ? 1 : 3;
// Latency leaves out the records of the first half second, in both consumers (kwire: JIT warm-up).
const LATENCY_WARMUP_S = 0.5;

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
    // Pre-filled with the reader open and paused (perf rings exist only once it opens), then started.
    const kDrain = await kwireRun(transport, { count: DRAIN_COUNT, prefill: true, kernelRingBytes: drainRing, ringCapacity: 64 << 20, batchSize: 8192 });
    const cDrain = cRun(transport, ['drain', String(DRAIN_COUNT)], PERF_WAKEUP_THROUGHPUT, drainRing);
    // From the first batch to the last (the records of the first batch are not timed).
    const kDrainRate = (kDrain.received - kDrain.firstLength) / ((kDrain.last - kDrain.first) / 1000);
    samples[transport].push({
      flat: { kwire: kFlat.rate, c: cFlat.rate },
      sustained: { kwire: kSus.rate, c: cSus.rate },
      drain: { kwire: kDrainRate, c: cDrain.rate },
    });
    console.error(`rep ${rep + 1}/${reps} ${transport}: flat ${fmt(kFlat.rate)} vs C ${fmt(cFlat.rate)}; zero-loss ${fmt(kSus.rate)} vs C ${fmt(cSus.rate)}; drain ${fmt(kDrainRate)} vs C ${fmt(cDrain.rate)} (kwire drain lost ${kDrain.lost})`);
  }
}

// Latency at a fixed 10 000 records/s: kernel timestamp (CLOCK_MONOTONIC) to the subscriber's batch.
// Percentiles per run; the table shows their medians over `reps` runs (one run is at the mercy of
// whatever else the machine does in that second).
const latency: Record<Transport, { kwire: number[]; c: number[] }> = { ringbuf: { kwire: [], c: [] }, perf: { kwire: [], c: [] } };
const latencyRuns: Record<Transport, { kwire: number[][]; c: number[][] }> = { ringbuf: { kwire: [], c: [] }, perf: { kwire: [], c: [] } };
for (let rep = 0; rep < reps; rep++) {
  for (const transport of transports) {
    const lat: bigint[] = [];
    let warmUntil = 0n;
    await kwireRun(transport, { count: LATENCY_RATE * (LATENCY_SECONDS + LATENCY_WARMUP_S), ratePerSecond: LATENCY_RATE, chunk: 1, perf: { wakeupEvents: 1 }, batchSize: 1024 }, (b) => {
      const now = process.hrtime.bigint();
      if (warmUntil === 0n && b.length > 0) warmUntil = b.ts[0]! + BigInt(LATENCY_WARMUP_S * 1e9);
      for (let i = 0; i < b.length; i++) if (b.ts[i]! >= warmUntil) lat.push(now - b.ts[i]!);
    });
    const us = lat.map((x) => Number(x) / 1e3).sort((a, b) => a - b);
    const pct = (p: number) => us[Math.min(us.length - 1, Math.floor(us.length * p))]!;
    const k = [pct(0.5), pct(0.99), pct(0.999)];
    const c = cRun(transport, ['latency', String(LATENCY_RATE), String(LATENCY_SECONDS + LATENCY_WARMUP_S)], 1, RING_BYTES, { KW_WARMUP_MS: String(LATENCY_WARMUP_S * 1000) });
    const cu = [c.p50Us!, c.p99Us!, c.p999Us!];
    latencyRuns[transport].kwire.push(k);
    latencyRuns[transport].c.push(cu);
    console.error(`rep ${rep + 1}/${reps} latency ${transport}: kwire p50/p99/p99.9 ${k.map((x) => x.toFixed(0)).join('/')} µs; C ${cu.map((x) => x.toFixed(0)).join('/')} µs`);
  }
}
for (const t of transports) {
  latency[t].kwire = [0, 1, 2].map((i) => median(latencyRuns[t].kwire.map((r) => r[i]!)));
  latency[t].c = [0, 1, 2].map((i) => median(latencyRuns[t].c.map((r) => r[i]!)));
}

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
  json[t] = { ...m, samples: samples[t], latencyRuns: latencyRuns[t] };
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  rows.push(
    `| ${t} | sustained, zero loss | ${fmt(m.sustainedKwire)} | ${fmt(m.sustainedC)} | ${m.sustainedRatio.toFixed(2)}× | ≥ 0.8× C: ${verdict(m.sustainedRatio >= 0.8)} |`,
    `| ${t} | flat out (losses allowed) | ${fmt(m.flatKwire)} | ${fmt(m.flatC)} | ${(m.flatKwire / m.flatC).toFixed(2)}× | |`,
    `| ${t} | drain of a full ring, decoded | ${fmt(m.drainKwire)} | ${fmt(m.drainC)} | ${(m.drainKwire / m.drainC).toFixed(2)}× | ≥ 20 M/s: ${verdict(m.drainKwire >= 20e6)} |`,
    `| ${t} | latency p50 / p99 / p99.9 at 10 k/s | ${m.latencyKwireUs.map((x) => x.toFixed(0)).join(' / ')} µs | ${m.latencyCUs.map((x) => x.toFixed(0)).join(' / ')} µs | | p99 < 1000 µs: ${verdict(m.latencyKwireUs[1]! < 1000)} |`,
  );
}
const md = [
  `### Kernel → subscriber (loadgen, 104-byte records; kwire = addon → shared ring → WASM → RxJS batches; C = libbpf)`,
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${reps} runs${quick ? ' (--quick)' : ''}; latency percentiles: medians over as many runs. ${sharedNote}`,
  '',
  '| transport | measure | kwire | C libbpf | kwire / C | target |',
  '|---|---|---:|---:|---:|---|',
  ...rows,
  '',
  `Generator: BPF_PROG_TEST_RUN of kw_loadgen on a thread pinned to CPU 0; both consumers use the same kernel ring (${RING_BYTES >> 20} MiB; perf: per CPU) and, for perf, a wake-up every ${PERF_WAKEUP_THROUGHPUT} samples (every sample for latency). Sustained = the highest paced rate (starting from the flat-out rate, −20% per try, at most 5 tries) at which nothing was lost, as the generator achieved it. Flat out = records received / time from the generator's start until every record was received or counted lost. Drain = ${DRAIN_COUNT.toLocaleString('en')} records pre-filled into a 64 MiB kernel ring (perf: per CPU; kwire's reader opened paused), timed from the first batch to the last (C: from the first read). Latency: ${LATENCY_SECONDS} s at ${LATENCY_RATE.toLocaleString('en')} records/s after ${LATENCY_WARMUP_S} s left out (both consumers), one record per BPF_PROG_TEST_RUN call. The C ring-buffer consumer is libbpf's ring_buffer__poll, which publishes its consumer position after every record (kwire: once per batch), so the kernel notifies more often and C drops records at lower rates. RSS over 10⁸ records: pipeline-rss.`,
].join('\n');
writeFileSync(join(resultsDir, 'pipeline.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), quick, reps, shared: sharedNote, ...json }, null, 2) + '\n');
writeFileSync(join(resultsDir, 'pipeline.md'), md + '\n');
console.log(md);
