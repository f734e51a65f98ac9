// .etl decoding: kwire's path (the WASM walker and Xpress decompressor, the shared ring, the generated
// etw decoder: etw.fromEtl() to batches, and to event objects) against a pure-TypeScript reference
// reader of the same files (test/reference/etl.ts: walk, decompress, decode the known events into
// objects), in the same run, on compressed (relogged) and uncompressed fixtures. MB/s of file and
// records/s of all records the file holds.
// Run: cd bench && pnpm exec tsx etw.bench.ts [--quick]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { etw, toEvents } from 'kwire';
import { EtlWalker } from '../packages/kwire/src/kinds/etw-walker.js';
import { walkEtlRef } from '../test/reference/etl.js';
import { median, quick, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const files = [
  { name: 'net.4.5.2.x64', compressed: true },
  { name: 'net.4.5.2.x86', compressed: true },
  { name: 'ShutdownPerfDiagLogger', compressed: false },
  { name: 'KernelNetwork', compressed: false },
];
const rounds = quick ? 5 : 15;

/** Median ms of each case, the cases interleaved round by round (so that a busy moment of the machine
 *  falls on every case alike), after two warm-up runs of each (JIT and WASM tiers). */
async function timeAll(cases: Record<string, () => Promise<unknown> | unknown>): Promise<Record<string, number>> {
  const names = Object.keys(cases);
  for (const n of names) for (let i = 0; i < 2; i++) await cases[n]!();
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const t0 = performance.now();
      await cases[n]!();
      ms[n]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(ms[n]!)]));
}

const drain = (source: { subscribe(o: object): unknown }) =>
  new Promise<void>((resolve, reject) => source.subscribe({ error: reject, complete: () => resolve() }));

function walkOnly(bytes: Uint8Array): number {
  const w = new EtlWalker();
  let at = 0;
  let frames = 0;
  while (at < bytes.length) {
    const chunk = bytes.subarray(at, at + (1 << 20));
    const used = w.walk(chunk, at + chunk.length >= bytes.length, 0x7fffffff);
    frames += w.frames().count;
    w.clearFrames();
    at += used || chunk.length;
  }
  return frames;
}

interface Row { file: string; compressed: boolean; mb: number; records: number; events: number; cases: Record<string, number> }
const rows: Row[] = [];
for (const f of files) {
  const bytes = new Uint8Array(readFileSync(join('..', 'fixtures', 'etw', `${f.name}.etl`)));
  const ref = walkEtlRef(bytes);
  const s = etw.fromEtl(bytes);
  await drain(s);
  const records = s.stats().walk.records;
  const cases = await timeAll({
    'kwire batches': () => drain(etw.fromEtl(bytes)),
    'kwire events': () => drain(etw.fromEtl(bytes).pipe(toEvents())),
    'kwire walk only': () => walkOnly(bytes),
    'reference': () => walkEtlRef(bytes),
    'reference walk only': () => walkEtlRef(bytes, false),
  });
  rows.push({ file: f.name, compressed: f.compressed, mb: bytes.length / 2 ** 20, records, events: s.stats().received, cases });
  console.error(`${f.name}: ${JSON.stringify(cases)} (reference events ${ref.events.length}, kwire ${s.stats().received})`);
}

const line = (r: Row, c: string) => {
  const ms = r.cases[c]!;
  return `| ${r.file}${r.compressed ? ' (compressed)' : ''} | ${c} | ${ms.toFixed(1)} | ${(r.mb / (ms / 1000)).toFixed(1)} | ${(r.records / (ms / 1000) / 1e6).toFixed(2)} | ${(r.cases['reference']! / ms).toFixed(2)}× |`;
};
const ratio = (c: string, compressed: boolean) => rows.filter((r) => r.compressed === compressed).map((r) => `${r.file} ${(r.cases['reference']! / r.cases[c]!).toFixed(1)}×`).join(', ');
const md = [
  '### .etl decoding: kwire vs a pure-TypeScript reader (whole files, median of ' + rounds + ' interleaved runs)',
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| file | case | ms | MB/s | M records/s | speed vs reference |',
  '|---|---|---:|---:|---:|---:|',
  ...rows.flatMap((r) => Object.keys(r.cases).map((c) => line(r, c))),
  '',
  `Records: every record of the file (${rows.map((r) => `${r.file} ${r.records.toLocaleString('en')}, ${r.events.toLocaleString('en')} decoded`).join('; ')}); the others are counted unknown (kwire) or skipped (reference).`,
  'kwire batches: etw.fromEtl(bytes) to columnar batches (walk, Xpress, frames through the shared ring, the generated decoder). kwire events: the same, then an object per event (toEvents()). kwire walk only: the WASM walker and decompressor making a frame of every record (etw.fromEtl() drops the unknown ones before they become frames, so it can be faster than this).',
  'reference: test/reference/etl.ts, TypeScript with DataView: walk, decompress, and an object per known event; reference walk only: walk and decompress.',
  `kwire batches vs reference on compressed files: ${ratio('kwire batches', true)} (target ≥ 5×); uncompressed: ${ratio('kwire batches', false)}.`,
  `kwire events vs reference (both make objects): compressed ${ratio('kwire events', true)}; uncompressed ${ratio('kwire events', false)}.`,
  sharedNote,
].join('\n');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'etw.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), rows }, null, 2) + '\n');
writeFileSync(join(resultsDir, 'etw.md'), md + '\n');
console.log(md);
