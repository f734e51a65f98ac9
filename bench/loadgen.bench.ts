// Loadgen decoder (the 104-byte record): WASM to columns against memcpy of the same bytes (the limit),
// a hand-written DataView columnar decoder, one JS object per record, and binary-parser.
// Run: pnpm exec tsx loadgen.bench.ts [--quick]
import { Parser } from 'binary-parser';
import { FrameDecoder, loadgenDecoder, SourceId } from 'kwire';
import { concat, frame } from '../test/reference/frames.js';
import { decodeLoadgenJs, encodeLoadgen } from '../test/reference/loadgen.js';
import { measure } from './lib/measure.js';
import { sharedNote } from './lib/options.js';
import { report } from './lib/report.js';

const RECORDS = 4096;
const frames = concat(Array.from({ length: RECORDS }, (_, i) => frame(SourceId.loadgen, encodeLoadgen({ seq: BigInt(i), ts: 1_000_000n + BigInt(i), cpu: i & 1, tag: 7 }))));
const FRAME = 8 + 104;

const copy = new Uint8Array(frames.length);
const memcpy = () => copy.set(frames);

const wasm = new FrameDecoder(loadgenDecoder, RECORDS);
const wasmBatch = () => wasm.decode(frames).batches;

// The best hand-written JS: DataView reads straight into preallocated typed columns.
const seq = new BigUint64Array(RECORDS);
const ts = new BigUint64Array(RECORDS);
const cpu = new Uint32Array(RECORDS);
const tag = new Uint32Array(RECORDS);
const view = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
const jsColumns = () => {
  let n = 0;
  for (let at = 0; at + FRAME <= frames.length; at += FRAME) {
    if (view.getUint32(at, true) < 104) continue;
    const p = at + 8;
    seq[n] = view.getBigUint64(p, true);
    ts[n] = view.getBigUint64(p + 8, true);
    cpu[n] = view.getUint32(p + 16, true);
    tag[n] = view.getUint32(p + 20, true);
    n++;
  }
  return n;
};

const jsPerEvent = () => {
  const out = [];
  for (let at = 0; at + FRAME <= frames.length; at += FRAME) {
    const r = decodeLoadgenJs(frames.subarray(at + 8, at + 8 + view.getUint32(at, true)));
    if (r) out.push(r);
  }
  return out;
};

const parser = new Parser()
  .endianness('little')
  .uint32('length')
  .uint16('source')
  .uint16('flags')
  .uint64('seq')
  .uint64('ts')
  .uint32('cpu')
  .uint32('tag')
  .buffer('fill', { length: 80 });
const framesParser = new Parser().array('records', { type: parser, readUntil: 'eof' });
const buffer = Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength);
const binaryParser = () => framesParser.parse(buffer);

const cases = [
  measure('memcpy', RECORDS, memcpy),
  measure('wasm-batch', RECORDS, wasmBatch),
  measure('js-dataview-columns', RECORDS, jsColumns),
  measure('js-per-event', RECORDS, jsPerEvent),
  measure('binary-parser', RECORDS, binaryParser, undefined, undefined),
];
const by = (name: string) => cases.find((c) => c.name === name)!.nsPerRecord;
console.log(
  report('loadgen', 'Loadgen decoder (104-byte records, 4096 per batch)', 'js-per-event', cases, [
    `wasm-batch vs js-dataview-columns: ${(by('js-dataview-columns') / by('wasm-batch')).toFixed(2)}×; vs binary-parser: ${(by('binary-parser') / by('wasm-batch')).toFixed(0)}×. ${sharedNote}`,
  ]),
);
