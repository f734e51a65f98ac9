// Top-talker aggregation over 10^7 flow records: topTalkers() (each batch's columns summed in
// WebAssembly) against a plain RxJS per-event implementation (toEvents(), then a Map per key), and a
// JS columnar one (the same sums over the batch's typed arrays in JavaScript), in the same run,
// alternating. Every path computes the same thing: what each record adds to its flow's running totals
// (a Map of the last totals by cookie; a destroy forgets the flow), summed per (dstAddr, dstPort).
// Run: cd bench && pnpm exec tsx top.bench.ts [--quick]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { from, lastValueFrom, reduce, map, type Observable } from 'rxjs';
import { FlowBatch, FrameDecoder, flowDecoder, SourceId, toEvents, topTalkers, type FlowEvent } from 'kwire';
import { encodeFlow, ipv4, type FlowRecord } from '../test/reference/flow.js';
import { concat, frame } from '../test/reference/frames.js';
import { median, quick, reps, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const TOTAL = quick ? 1_000_000 : 10_000_000;
const BATCH = 1024;
const DISTINCT = 100; // batches made, then cycled: 102 400 records of 20 000 flows
const FLOWS = 20_000;

// Flows: 64 destination hosts × 4 ports = 256 keys; each record of a flow adds to its running totals,
// the last record of each flow in the cycle is its destroy (so the next cycle starts the flows again).
function makeBatches(): FlowBatch[] {
  const totals = new Float64Array(FLOWS);
  const records: FlowRecord[] = [];
  const n = DISTINCT * BATCH;
  for (let i = 0; i < n; i++) {
    const f = (i * 7919) % FLOWS;
    const last = i >= n - FLOWS;
    totals[f]! += 100 + (i % 1400);
    records.push({
      start: 1_700_000_000_000_000_000n, ts: 5_000_000_000n + BigInt(i) * 1000n, cookie: BigInt(f + 1),
      srcAddr: ipv4(10, 0, (f >> 8) & 255, f & 255), dstAddr: ipv4(10, 1, 0, 1 + (f % 64)),
      packetsOrig: BigInt(Math.ceil(totals[f]! / 1000)), bytesOrig: BigInt(totals[f]!), packetsRet: 0n, bytesRet: 0n,
      connmark: 0, netns: 4026531840, srcPort: 30000 + (f % 20000), dstPort: [80, 443, 53, 8080][(f >> 6) % 4]!, proto: 6, kind: last ? 2 : 1,
    });
  }
  // Flows not ended in the last stretch end here too: every flow's last record in the cycle is a destroy.
  const seen = new Set<bigint>();
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    r.kind = seen.has(r.cookie) ? 1 : 2;
    seen.add(r.cookie);
  }
  const decoder = new FrameDecoder(flowDecoder, BATCH);
  const batches: FlowBatch[] = [];
  for (let b = 0; b < DISTINCT; b++) {
    const frames = concat(records.slice(b * BATCH, (b + 1) * BATCH).map((r) => frame(SourceId.flow, encodeFlow(r))));
    batches.push(...(decoder.decode(frames).batches as FlowBatch[]));
  }
  return batches;
}

const batches = makeBatches();
const count = Math.ceil(TOTAL / BATCH);
const input = (): Observable<FlowBatch> => from(Array.from({ length: count }, (_, i) => batches[i % batches.length]!));
const records = count * BATCH;

interface Sums { bytes: number; packets: number }
type Top = Array<[string, number]>;

// WASM batch path: the public operator.
const wasm = () =>
  lastValueFrom(input().pipe(topTalkers({ by: ['dstAddr', 'dstPort'], window: 3_600_000, limit: 10 }), map((t): Top => t.rows.map((r) => [`${r.key.dstAddr}:${r.key.dstPort}`, r.bytes]))));

// Plain RxJS per event: toEvents(), then Maps.
const perEvent = () =>
  lastValueFrom(
    input().pipe(
      toEvents<FlowEvent>(),
      reduce(
        (s, e) => {
          const last = s.flows.get(e.cookie);
          let db = e.bytesOrig + e.bytesRet;
          let dp = e.packetsOrig + e.packetsRet;
          if (last && e.bytesOrig + e.bytesRet >= last.bytes && e.packetsOrig + e.packetsRet >= last.packets) {
            db -= last.bytes;
            dp -= last.packets;
          }
          if (e.kind === 'destroy') s.flows.delete(e.cookie);
          else s.flows.set(e.cookie, { bytes: e.bytesOrig + e.bytesRet, packets: e.packetsOrig + e.packetsRet });
          const k = `${e.dstAddr}:${e.dstPort}`;
          const sum = s.keys.get(k) ?? { bytes: 0, packets: 0 };
          sum.bytes += db;
          sum.packets += dp;
          s.keys.set(k, sum);
          return s;
        },
        { flows: new Map<bigint, Sums>(), keys: new Map<string, Sums>() },
      ),
      map((s): Top => [...s.keys].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10).map(([k, v]) => [k, v.bytes])),
    ),
  );

// JS columnar: the same sums over the batch's columns, keys as strings of the key bytes.
const columnar = () =>
  lastValueFrom(
    input().pipe(
      reduce(
        (s, b) => {
          for (let i = 0; i < b.length; i++) {
            const c = b.cookie[i]!;
            const bytes = b.bytesOrig[i]! + b.bytesRet[i]!;
            const packets = b.packetsOrig[i]! + b.packetsRet[i]!;
            const last = s.flows.get(c);
            let db = bytes;
            let dp = packets;
            if (last && bytes >= last.bytes && packets >= last.packets) {
              db -= last.bytes;
              dp -= last.packets;
            }
            if (b.kind[i] === 2) s.flows.delete(c);
            else if (last) (last.bytes = bytes), (last.packets = packets);
            else s.flows.set(c, { bytes, packets });
            const a = b.dstAddrBytes;
            const o = i * 16;
            const k = String.fromCharCode(a[o]!, a[o + 1]!, a[o + 2]!, a[o + 3]!, a[o + 4]!, a[o + 5]!, a[o + 6]!, a[o + 7]!, a[o + 8]!, a[o + 9]!, a[o + 10]!, a[o + 11]!, a[o + 12]!, a[o + 13]!, a[o + 14]!, a[o + 15]!, b.dstPort[i]!);
            let sum = s.keys.get(k);
            if (!sum) s.keys.set(k, (sum = { bytes: 0, packets: 0, addr: b.dstAddr(i), port: b.dstPort[i]! }));
            sum.bytes += db;
            sum.packets += dp;
          }
          return s;
        },
        { flows: new Map<bigint, Sums>(), keys: new Map<string, Sums & { addr: string; port: number }>() },
      ),
      map((s): Top => [...s.keys.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 10).map((v) => [`${v.addr}:${v.port}`, v.bytes])),
    ),
  );

const cases = { 'WASM batch (topTalkers)': wasm, 'JS columnar (Map over columns)': columnar, 'RxJS per event (toEvents + Map)': perEvent };
// CPU time of this process (user + system), which other jobs on the machine disturb far less than
// wall time; wall time is kept beside it.
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const walls: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let reference: string | undefined;
for (let rep = 0; rep < reps; rep++) {
  const order = Object.entries(cases);
  if (rep % 2) order.reverse();
  for (const [name, run] of order) {
    const t0 = performance.now();
    const c0 = cpuMs();
    const top = await run();
    times[name]!.push(cpuMs() - c0);
    walls[name]!.push(performance.now() - t0);
    const text = JSON.stringify(top);
    if (reference === undefined) reference = text;
    else if (text !== reference) throw new Error(`${name} disagrees: ${text} vs ${reference}`);
  }
  console.error(`rep ${rep + 1}/${reps}: ${Object.entries(times).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)} ms CPU (${walls[k]!.at(-1)!.toFixed(0)} wall)`).join(', ')}`);
}

const base = median(times['RxJS per event (toEvents + Map)']!);
const baseWall = median(walls['RxJS per event (toEvents + Map)']!);
const rows = Object.entries(times).map(([name, t]) => {
  const ms = median(t);
  const wall = median(walls[name]!);
  return { name, ms, nsPerRecord: (ms * 1e6) / records, ratio: base / ms, wallMs: wall, wallRatio: baseWall / wall };
});
const wasmRatio = rows[0]!.ratio;
const md = [
  '### Top talkers over flow records: WASM batch path vs plain RxJS per event',
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. ${records.toLocaleString('en')} flow records (batches of ${BATCH}, ${FLOWS} flows, 256 keys (dstAddr, dstPort)), medians of ${reps} alternating reps in one process. ${sharedNote}`,
  '',
  '| path | CPU ms | CPU ns/record | speed vs RxJS per event (CPU) | wall ms | speed (wall) |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.ms.toFixed(0)} | ${r.nsPerRecord.toFixed(1)} | ${r.ratio.toFixed(2)}× | ${r.wallMs.toFixed(0)} | ${r.wallRatio.toFixed(2)}× |`),
  '',
  `Target ≥ 10× the per-event path (CPU time): ${wasmRatio >= 10 ? 'met' : '**missed**'} (${wasmRatio.toFixed(1)}×). All three agree on the top 10 (checked every rep). Times are the process's CPU time (user + system), less disturbed by other jobs than wall time, which is given beside it.`,
  'Run: `cd bench && pnpm exec tsx top.bench.ts` (`--quick`: 10^6 records).',
].join('\n');
writeFileSync(join(resultsDir, 'top.md'), md + '\n');
writeFileSync(join(resultsDir, 'top.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), records, reps, cases: rows, cpuMs: times, wallMs: walls }, null, 2) + '\n');
console.log(md);
