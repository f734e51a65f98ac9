// Flow batches made in memory for the composition tests and benchmark: the columns FlowBatch has
// (cumulative counters per flow, addresses as 16 raw bytes), from plain rows.
import { ipToBytes } from 'kwire';

export interface FlowRow {
  cookie: number;
  kind?: 'update' | 'destroy';
  srcAddr?: string;
  dstAddr?: string;
  srcPort?: number;
  dstPort?: number;
  proto?: number;
  netns?: number;
  bytesOrig?: number;
  packetsOrig?: number;
  bytesRet?: number;
  packetsRet?: number;
  ts?: bigint;
  start?: bigint;
}

export interface TestFlowBatch {
  length: number;
  cookie: BigUint64Array;
  kind: Uint8Array;
  srcAddrBytes: Uint8Array;
  dstAddrBytes: Uint8Array;
  srcPort: Uint16Array;
  dstPort: Uint16Array;
  proto: Uint8Array;
  netns: Uint32Array;
  bytesOrig: Float64Array;
  packetsOrig: Float64Array;
  bytesRet: Float64Array;
  packetsRet: Float64Array;
  ts: BigUint64Array;
  start: BigUint64Array;
  get(i: number): FlowRow;
  [Symbol.iterator](): Iterator<FlowRow>;
}

export function flowBatch(rows: readonly FlowRow[]): TestFlowBatch {
  const n = rows.length;
  const b: TestFlowBatch = {
    length: n, cookie: new BigUint64Array(n), kind: new Uint8Array(n), srcAddrBytes: new Uint8Array(n * 16), dstAddrBytes: new Uint8Array(n * 16),
    srcPort: new Uint16Array(n), dstPort: new Uint16Array(n), proto: new Uint8Array(n), netns: new Uint32Array(n),
    bytesOrig: new Float64Array(n), packetsOrig: new Float64Array(n), bytesRet: new Float64Array(n), packetsRet: new Float64Array(n),
    ts: new BigUint64Array(n), start: new BigUint64Array(n),
    get: (i) => rows[i]!,
    [Symbol.iterator]: () => rows[Symbol.iterator](),
  };
  rows.forEach((r, i) => {
    b.cookie[i] = BigInt(r.cookie);
    b.kind[i] = r.kind === 'destroy' ? 2 : 1;
    b.srcAddrBytes.set(ipToBytes(r.srcAddr ?? '10.0.0.1'), i * 16);
    b.dstAddrBytes.set(ipToBytes(r.dstAddr ?? '10.0.0.2'), i * 16);
    b.srcPort[i] = r.srcPort ?? 40000;
    b.dstPort[i] = r.dstPort ?? 80;
    b.proto[i] = r.proto ?? 6;
    b.netns[i] = r.netns ?? 4026531840;
    b.bytesOrig[i] = r.bytesOrig ?? 0;
    b.packetsOrig[i] = r.packetsOrig ?? 0;
    b.bytesRet[i] = r.bytesRet ?? 0;
    b.packetsRet[i] = r.packetsRet ?? 0;
    b.ts[i] = r.ts ?? 0n;
    b.start[i] = r.start ?? 0n;
  });
  return b;
}
