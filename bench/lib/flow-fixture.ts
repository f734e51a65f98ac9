// The flow benchmark's records (4096 frames of 104-byte flow records) and its hand-written DataView
// columnar decoder, the JS baseline of flow.bench.ts and speed.bench.ts.
import { SourceId } from 'kwire';
import { encodeFlow, ipv4, type FlowRecord } from '../../test/reference/flow.js';
import { concat, frame } from '../../test/reference/frames.js';

export const RECORDS = 4096;
export const FRAME = 8 + 104;
export const records: FlowRecord[] = Array.from({ length: RECORDS }, (_, i) => ({
  start: 1_700_000_000_000_000_000n + BigInt(i),
  ts: 5_000_000_000n + BigInt(i) * 1000n,
  cookie: BigInt(i % 512),
  srcAddr: ipv4(10, 0, (i >> 8) & 255, i & 255),
  dstAddr: ipv4(10, 1, 0, 1 + (i % 16)),
  packetsOrig: BigInt(i * 3),
  bytesOrig: BigInt(i * 3000),
  packetsRet: BigInt(i * 2),
  bytesRet: BigInt(i * 9000),
  connmark: 0,
  netns: 4026531840,
  srcPort: 30000 + (i % 20000),
  dstPort: i % 20 === 0 ? 443 : 8080,
  proto: i % 4 === 0 ? 6 : 17,
  kind: i % 10 === 0 ? 2 : 1,
}));
export const frames = concat(records.map((r) => frame(SourceId.flow, encodeFlow(r))));


// Hand-written JS columnar decoder into preallocated columns (no flowId: less work than WASM does).
export const cols = {
  start: new BigUint64Array(RECORDS), ts: new BigUint64Array(RECORDS), cookie: new BigUint64Array(RECORDS),
  po: new Float64Array(RECORDS), bo: new Float64Array(RECORDS), pr: new Float64Array(RECORDS), br: new Float64Array(RECORDS),
  connmark: new Uint32Array(RECORDS), netns: new Uint32Array(RECORDS), sport: new Uint16Array(RECORDS), dport: new Uint16Array(RECORDS),
  proto: new Uint8Array(RECORDS), kind: new Uint8Array(RECORDS), src: new Uint8Array(RECORDS * 16), dst: new Uint8Array(RECORDS * 16),
};
const [start32, ts32, cookie32] = [cols.start, cols.ts, cols.cookie].map((c) => new Uint32Array(c.buffer));
const [src32, dst32] = [cols.src, cols.dst].map((c) => new Uint32Array(c.buffer));
export const view = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
export const u64 = (at: number) => view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
export const jsColumnar = () => {
  let n = 0;
  for (let at = 0; at + 8 <= frames.length; at += (8 + view.getUint32(at, true) + 7) & ~7) {
    if (view.getUint32(at, true) !== 104 || view.getUint16(at + 4, true) !== SourceId.flow) continue;
    const p = at + 8;
    const kind = view.getUint8(p + 101);
    if (kind !== 1 && kind !== 2) continue;
    // 64-bit times as two u32 halves (no BigInt), addresses as four u32 words: the fastest JS we found
    start32[2 * n] = view.getUint32(p, true);
    start32[2 * n + 1] = view.getUint32(p + 4, true);
    ts32[2 * n] = view.getUint32(p + 8, true);
    ts32[2 * n + 1] = view.getUint32(p + 12, true);
    cookie32[2 * n] = view.getUint32(p + 16, true);
    cookie32[2 * n + 1] = view.getUint32(p + 20, true);
    for (let w = 0; w < 4; w++) {
      src32[4 * n + w] = view.getUint32(p + 24 + 4 * w, true);
      dst32[4 * n + w] = view.getUint32(p + 40 + 4 * w, true);
    }
    cols.po[n] = u64(p + 56);
    cols.bo[n] = u64(p + 64);
    cols.pr[n] = u64(p + 72);
    cols.br[n] = u64(p + 80);
    cols.connmark[n] = view.getUint32(p + 88, true);
    cols.netns[n] = view.getUint32(p + 92, true);
    cols.sport[n] = view.getUint16(p + 96, false);
    cols.dport[n] = view.getUint16(p + 98, false);
    cols.proto[n] = view.getUint8(p + 100);
    cols.kind[n] = kind;
    n++;
  }
  return n;
};

