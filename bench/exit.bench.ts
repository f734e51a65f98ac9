// Exit decoder (fixed 72-byte records): WASM to columns against memcpy of the same bytes (the limit),
// the best hand-written JS columnar decoders, and a hand-written per-event object decoder.
// Run: make bench   (or: cd bench && pnpm exec tsx exit.bench.ts)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { exitDecoder, FrameDecoder, SourceId } from 'kwire';
import { decodeExitJs, encodeExit, type ExitRecord } from '../test/reference/exit.js';
import { concat, frame } from '../test/reference/frames.js';
import { measure } from './lib/measure.js';
import { report } from './lib/report.js';

const RECORDS = 4096;
const comms = ['sh', 'git', 'node', 'cc1', 'systemd-journal', 'kworker/u4:2'];
const records: ExitRecord[] = Array.from({ length: RECORDS }, (_, i) => ({
  startTime: 1_000_000_000n * BigInt(i),
  exitTime: 1_000_000_000n * BigInt(i) + 12_345_678n,
  cgroupId: 7n,
  pidnsDev: 4n,
  pid: 1000 + i,
  tid: 1000 + i,
  ppid: 999,
  status: (i % 7) << 8,
  pidns: 4026531836,
  flags: 1,
  comm: comms[i % comms.length]!,
}));
const frames = concat(records.map((r) => frame(SourceId.exit, encodeExit(r))));

// memcpy: the same bytes copied once.
const copy = new Uint8Array(frames.length);
const memcpy = () => copy.set(frames);
// memcpy per record: each record's 72 bytes copied on their own, as a consumer that keeps every
// record as bytes (or the addon, frame by frame) pays; bulk memcpy above is the hardware limit.
const perRecord = new Uint8Array(RECORDS * 72);
const memcpyPerRecord = () => {
  for (let k = 0, at = 8; k < RECORDS; k++, at += (8 + 72 + 7) & ~7) perRecord.set(frames.subarray(at, at + 72), k * 72);
};

// WASM in place: frames already in the decoders' memory (where the addon writes them on the live
// path), decoded into columns that stay there. The decoder alone.
const wasmPath = createRequire(import.meta.url).resolve('@kwire/assembly/kwire.wasm');
const memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), { env: { memory, abort: () => { throw new Error('abort'); } } }).exports as unknown as {
  _initialize?: () => void;
  alloc(n: number): number;
  cursorLinear(p: number, n: number): void;
  exitInit(cap: number): void;
  exitDecode(): number;
};
x._initialize?.();
x.exitInit(RECORDS);
const input = x.alloc(frames.length);
new Uint8Array(memory.buffer).set(frames, input);
const wasmInPlace = () => {
  x.cursorLinear(input, frames.length);
  return x.exitDecode();
};

// WASM as a subscriber gets it: frames copied in, decoded, columns copied out as an owned ExitBatch.
const wasm = new FrameDecoder(exitDecoder, RECORDS);
const wasmColumns = () => wasm.decode(frames).batches;

// Hand-written JS columnar decoders into preallocated columns (the best JS: no allocation per
// record, u64 fields as two u32 halves so no BigInt is created).
const cols = {
  startTime: new BigUint64Array(RECORDS), exitTime: new BigUint64Array(RECORDS), cgroupId: new BigUint64Array(RECORDS), pidnsDev: new BigUint64Array(RECORDS),
  pid: new Uint32Array(RECORDS), tid: new Uint32Array(RECORDS), ppid: new Uint32Array(RECORDS), status: new Uint32Array(RECORDS), pidns: new Uint32Array(RECORDS), flags: new Uint32Array(RECORDS),
  comm: new Uint8Array(RECORDS * 16),
};
const half = (c: BigUint64Array) => new Uint32Array(c.buffer);
const start32 = half(cols.startTime), exit32 = half(cols.exitTime), cg32 = half(cols.cgroupId), dev32 = half(cols.pidnsDev);
const comm32 = new Uint32Array(cols.comm.buffer);
const view = new DataView(frames.buffer, frames.byteOffset, frames.length);
const jsDataViewColumnar = () => {
  let n = 0;
  for (let at = 0; at + 8 <= frames.length && n < RECORDS; ) {
    const len = view.getUint32(at, true);
    const p = at + 8;
    at += (8 + len + 7) & ~7;
    if (view.getUint16(p - 4, true) !== SourceId.exit || len !== 72) continue;
    const h = n << 1;
    start32[h] = view.getUint32(p, true); start32[h + 1] = view.getUint32(p + 4, true);
    exit32[h] = view.getUint32(p + 8, true); exit32[h + 1] = view.getUint32(p + 12, true);
    cg32[h] = view.getUint32(p + 16, true); cg32[h + 1] = view.getUint32(p + 20, true);
    dev32[h] = view.getUint32(p + 24, true); dev32[h + 1] = view.getUint32(p + 28, true);
    cols.pid[n] = view.getUint32(p + 32, true);
    cols.tid[n] = view.getUint32(p + 36, true);
    cols.ppid[n] = view.getUint32(p + 40, true);
    cols.status[n] = view.getUint32(p + 44, true);
    cols.pidns[n] = view.getUint32(p + 48, true);
    cols.flags[n] = view.getUint32(p + 52, true);
    const c = n << 2;
    comm32[c] = view.getUint32(p + 56, true); comm32[c + 1] = view.getUint32(p + 60, true);
    comm32[c + 2] = view.getUint32(p + 64, true); comm32[c + 3] = view.getUint32(p + 68, true);
    n++;
  }
  return n;
};
// The same with a Uint32Array over the frames (records are 8-byte aligned; little-endian host).
const u32 = new Uint32Array(frames.buffer, frames.byteOffset, frames.length >>> 2);
const jsTypedColumnar = () => {
  let n = 0;
  for (let w = 0; w + 2 <= u32.length && n < RECORDS; ) {
    const len = u32[w]!;
    const source = u32[w + 1]! & 0xffff;
    const p = w + 2;
    w += ((8 + len + 7) & ~7) >>> 2;
    if (source !== SourceId.exit || len !== 72) continue;
    const h = n << 1;
    start32[h] = u32[p]!; start32[h + 1] = u32[p + 1]!;
    exit32[h] = u32[p + 2]!; exit32[h + 1] = u32[p + 3]!;
    cg32[h] = u32[p + 4]!; cg32[h + 1] = u32[p + 5]!;
    dev32[h] = u32[p + 6]!; dev32[h + 1] = u32[p + 7]!;
    cols.pid[n] = u32[p + 8]!;
    cols.tid[n] = u32[p + 9]!;
    cols.ppid[n] = u32[p + 10]!;
    cols.status[n] = u32[p + 11]!;
    cols.pidns[n] = u32[p + 12]!;
    cols.flags[n] = u32[p + 13]!;
    const c = n << 2;
    comm32[c] = u32[p + 14]!; comm32[c + 1] = u32[p + 15]!; comm32[c + 2] = u32[p + 16]!; comm32[c + 3] = u32[p + 17]!;
    n++;
  }
  return n;
};

// Hand-written per-event decoder: one object per record (BigInt times, comm decoded).
const jsPerEvent = () => {
  const out = [];
  for (let at = 0; at + 8 <= frames.length; ) {
    const len = view.getUint32(at, true);
    const record = decodeExitJs(frames.subarray(at + 8, at + 8 + len));
    if (record) out.push(record);
    at += (8 + len + 7) & ~7;
  }
  return out;
};

// Every decoder must agree before anything is timed.
if (wasmInPlace() !== RECORDS || jsDataViewColumnar() !== RECORDS || jsTypedColumnar() !== RECORDS || jsPerEvent().length !== RECORDS) throw new Error('a decoder disagrees');
const batch = wasmColumns()[0]!;
if (batch.length !== RECORDS || batch.get(4095).pid !== cols.pid[4095] || batch.comm(5) !== 'kworker/u4:2' || cols.status[6] !== 6 << 8) throw new Error('a decoder disagrees');

const cases = [
  measure('memcpy', RECORDS, memcpy),
  measure('memcpy-per-record', RECORDS, memcpyPerRecord),
  measure('wasm-in-place', RECORDS, wasmInPlace),
  measure('wasm-columns', RECORDS, wasmColumns),
  measure('js-dataview-columnar', RECORDS, jsDataViewColumnar),
  measure('js-typed-columnar', RECORDS, jsTypedColumnar),
  measure('js-per-event', RECORDS, jsPerEvent),
];
const ns = Object.fromEntries(cases.map((c) => [c.name, c.nsPerRecord]));
const bestJs = Math.min(ns['js-dataview-columnar']!, ns['js-typed-columnar']!);
const ratio = (a: number, b: number) => (b / a).toFixed(2);
const md = report('exit', `Exit decoder (${RECORDS} records per batch, 72-byte records in 80-byte frames)`, 'js-per-event', cases, [
  'wasm-in-place: frames already in WASM memory (as the addon leaves them), decoded into columns that stay there.',
  'wasm-columns: what a subscriber gets: frames copied into WASM memory, decoded, columns copied out into an owned ExitBatch.',
  'js-*-columnar: hand-written JS into preallocated columns, u64 fields as two u32 halves (no BigInt); typed = Uint32Array over the frames instead of DataView.',
  '',
  `wasm-in-place vs memcpy: ${ratio(ns['wasm-in-place']!, ns.memcpy!)}× memcpy's speed (target ≥ 0.8×); vs memcpy-per-record: ${ratio(ns['wasm-in-place']!, ns['memcpy-per-record']!)}×.`,
  `wasm-in-place vs the best JS columnar: ${ratio(ns['wasm-in-place']!, bestJs)}× (target ≥ 1.3×); wasm-columns: ${ratio(ns['wasm-columns']!, bestJs)}×.`,
  `wasm-columns vs js-per-event: ${ratio(ns['wasm-columns']!, ns['js-per-event']!)}× (target ≥ 3×).`,
  'The machine was shared with other jobs while this ran.',
]);
console.log(md);
