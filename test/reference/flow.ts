// Flow records in plain TypeScript (bpf/include/flow.h): an encoder for tests and benchmark inputs,
// the documented flowId in BigInt arithmetic, and a per-event object decoder (a benchmark baseline).
export interface FlowRecord {
  start: bigint;
  ts: bigint;
  cookie: bigint;
  /** 16 bytes each: IPv4 in bytes 0..3 with the rest zero, or IPv6. */
  srcAddr: Uint8Array;
  dstAddr: Uint8Array;
  packetsOrig: bigint;
  bytesOrig: bigint;
  packetsRet: bigint;
  bytesRet: bigint;
  connmark: number;
  netns: number;
  srcPort: number;
  dstPort: number;
  proto: number;
  kind: number;
}

export const FLOW_SIZE = 104;

export function encodeFlow(r: FlowRecord, padding = 0): Uint8Array {
  const out = new Uint8Array(FLOW_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, r.start, true);
  v.setBigUint64(8, r.ts, true);
  v.setBigUint64(16, r.cookie, true);
  out.set(r.srcAddr.subarray(0, 16), 24);
  out.set(r.dstAddr.subarray(0, 16), 40);
  v.setBigUint64(56, r.packetsOrig, true);
  v.setBigUint64(64, r.bytesOrig, true);
  v.setBigUint64(72, r.packetsRet, true);
  v.setBigUint64(80, r.bytesRet, true);
  v.setUint32(88, r.connmark, true);
  v.setUint32(92, r.netns, true);
  v.setUint16(96, r.srcPort, false);
  v.setUint16(98, r.dstPort, false);
  v.setUint8(100, r.proto);
  v.setUint8(101, r.kind);
  v.setUint16(102, padding, true);
  return out;
}

export function ipv4(a: number, b: number, c: number, d: number): Uint8Array {
  const out = new Uint8Array(16);
  out.set([a, b, c, d]);
  return out;
}

const M64 = (1n << 64n) - 1n;
const K = 0x9e3779b97f4a7c15n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;

/** flowId as documented in the README and assembly/flow-hooks.ts, over a record's bytes. */
export function flowIdOf(record: Uint8Array): number {
  const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const w = (o: number) => v.getBigUint64(o, true);
  let h = w(16) ^ 0x6b77666c6f770000n;
  for (const word of [w(24), w(32), w(40), w(48), w(96) & 0xffffffffffn]) h = (rotl(h ^ word, 31n) * K) & M64;
  h ^= h >> 32n;
  return Number(h & 0xffffffffn);
}

/** A hand-written per-event decoder: one object per record, 64-bit fields as BigInt, as a user would. */
export function decodeFlowJs(view: DataView, at: number) {
  return {
    start: view.getBigUint64(at, true),
    ts: view.getBigUint64(at + 8, true),
    cookie: view.getBigUint64(at + 16, true),
    srcAddr: new Uint8Array(view.buffer, view.byteOffset + at + 24, 16),
    dstAddr: new Uint8Array(view.buffer, view.byteOffset + at + 40, 16),
    packetsOrig: Number(view.getBigUint64(at + 56, true)),
    bytesOrig: Number(view.getBigUint64(at + 64, true)),
    packetsRet: Number(view.getBigUint64(at + 72, true)),
    bytesRet: Number(view.getBigUint64(at + 80, true)),
    connmark: view.getUint32(at + 88, true),
    netns: view.getUint32(at + 92, true),
    srcPort: view.getUint16(at + 96, false),
    dstPort: view.getUint16(at + 98, false),
    proto: view.getUint8(at + 100),
    kind: view.getUint8(at + 101),
  };
}
