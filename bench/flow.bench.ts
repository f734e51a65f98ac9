// Flow decoder (104-byte records): WASM to columns against memcpy of the same bytes, a hand-written JS
// DataView columnar decoder, a per-event JS object decoder and binary-parser; then filtering in the
// decode pass (WASM) against filtering in JS. Run: cd bench && pnpm exec tsx flow.bench.ts
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Parser } from 'binary-parser';
import { flowDecoder, FrameDecoder, SourceId } from 'kwire';
import { decodeFlowJs } from '../test/reference/flow.js';
import { cols, FRAME, frames, jsColumnar, RECORDS, u64, view } from './lib/flow-fixture.js';
import { measure } from './lib/measure.js';
import { report } from './lib/report.js';

// memcpy: the same bytes copied once (the limit).
const copy = new Uint8Array(frames.length);
const memcpy = () => copy.set(frames);
// memcpy per record: each record's 104 bytes copied on their own, as a consumer that keeps every
// record as bytes (or the addon, frame by frame) pays; bulk memcpy above is the hardware limit.
const perRecord = new Uint8Array(RECORDS * 104);
const memcpyPerRecord = () => {
  for (let k = 0, at = 8; k < RECORDS; k++, at += (8 + 104 + 7) & ~7) perRecord.set(frames.subarray(at, at + 104), k * 104);
};

// WASM in place: the frames already sit in WASM memory, as the addon leaves them in the shared ring;
// one pass writes the columns (flowId included) that JS then reads through views.
const wasmFile = createRequire(import.meta.url).resolve('@kwire/assembly/kwire.wasm');
const memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), { env: { memory, abort: () => { throw new Error('abort'); } } })
  .exports as unknown as Record<string, (...a: number[]) => number>;
(x._initialize as (() => void) | undefined)?.();
x.flowInit!(RECORDS);
const input = x.alloc!(frames.length);
new Uint8Array(memory.buffer).set(frames, input);
const wasmInPlace = () => {
  x.cursorLinear!(input, frames.length);
  return x.flowDecode!();
};

// WASM batch: copy in, decode, copy every column out into an owned FlowBatch (what a subscriber gets).
const owned = new FrameDecoder(flowDecoder, RECORDS);
const wasmBatch = () => owned.decode(frames).batches;

// Per-event JS objects (BigInt for the 64-bit times), as most hand-written consumers do.
const jsPerEvent = () => {
  const out = [];
  for (let at = 0; at + 8 <= frames.length; at += FRAME) out.push(decodeFlowJs(view, at + 8));
  return out;
};

// binary-parser: the same struct declared with its builder.
const flowParser = new Parser()
  .endianness('little')
  .uint64('start').uint64('ts').uint64('cookie')
  .array('srcAddr', { type: 'uint8', length: 16 }).array('dstAddr', { type: 'uint8', length: 16 })
  .uint64('packetsOrig').uint64('bytesOrig').uint64('packetsRet').uint64('bytesRet')
  .uint32('connmark').uint32('netns').uint16be('srcPort').uint16be('dstPort').uint8('proto').uint8('kind').uint16('padding');
const binaryParser = () => {
  const out = [];
  for (let at = 0; at + 8 <= frames.length; at += FRAME) out.push(flowParser.parse(frames.subarray(at + 8, at + 8 + 104)));
  return out;
};

// Filter in the pass: TCP flows to port 443 (5% of records). WASM skips the rest while decoding; JS
// must read each record's proto and ports first.
const wasmFilter = () => {
  x.flowFilter!(0, 6, 443, 0);
  x.cursorLinear!(input, frames.length);
  const n = x.flowDecode!();
  x.flowFilter!(0, 0, 0, 0);
  return n;
};
const jsFilter = () => {
  let n = 0;
  for (let at = 0; at + 8 <= frames.length; at += FRAME) {
    const p = at + 8;
    if (view.getUint8(p + 100) !== 6 || (view.getUint16(p + 96, false) !== 443 && view.getUint16(p + 98, false) !== 443)) continue;
    cols.cookie[n] = view.getBigUint64(p + 16, true);
    cols.po[n] = u64(p + 56);
    cols.bo[n] = u64(p + 64);
    cols.pr[n] = u64(p + 72);
    cols.br[n] = u64(p + 80);
    n++;
  }
  return n;
};

if (wasmInPlace() !== RECORDS || jsColumnar() !== RECORDS || wasmFilter() !== jsFilter()) throw new Error('decoders disagree');

const cases = [
  measure('memcpy', RECORDS, memcpy),
  measure('memcpy-per-record', RECORDS, memcpyPerRecord),
  measure('wasm-in-place', RECORDS, wasmInPlace),
  measure('wasm-batch', RECORDS, wasmBatch),
  measure('js-dataview-columnar', RECORDS, jsColumnar),
  measure('js-per-event', RECORDS, jsPerEvent),
  measure('binary-parser', RECORDS, binaryParser),
  measure('wasm-filter', RECORDS, wasmFilter),
  measure('js-filter', RECORDS, jsFilter),
];
const ns = Object.fromEntries(cases.map((c) => [c.name, c.nsPerRecord]));
const r = (a: string, b: string) => (ns[b]! / ns[a]!).toFixed(2);
const md = report('flow', 'Flow decoder (4096 records of 104 bytes per batch)', 'js-per-event', cases, [
  `Ratios (higher = wasm faster): wasm-in-place vs memcpy ${r('wasm-in-place', 'memcpy')}× (target ≥ 0.8×), vs memcpy-per-record ${r('wasm-in-place', 'memcpy-per-record')}×; vs js-dataview-columnar ${r('wasm-in-place', 'js-dataview-columnar')}× (target ≥ 1.3×); ` +
    `vs js-per-event ${r('wasm-in-place', 'js-per-event')}× (target ≥ 3×); vs binary-parser ${r('wasm-in-place', 'binary-parser')}× (target ≥ 30×); ` +
    `wasm-filter vs js-filter ${r('wasm-filter', 'js-filter')}×; wasm-batch (copy in + decode + copy out) vs js-dataview-columnar ${r('wasm-batch', 'js-dataview-columnar')}×.`,
  '',
  'wasm-in-place is the live path (the addon leaves frames in WASM memory; columns are read through views); it also computes flowId, which the JS decoders skip. The machine was shared with other jobs while this ran.',
]);
console.log(md);
