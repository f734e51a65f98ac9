// Flow records as columns (decoded by assembly/flow.ts) and as events. Addresses stay 16 raw bytes per
// record until read; formatAddress renders them (IPv4 when bytes 4..15 are zero).
import type { Batch } from './batch.js';
import type { DecoderInstance } from './decoders.js';

/** bpf/include/flow.h kinds. */
export const FlowKind = { update: 1, destroy: 2 } as const;
export type FlowKindName = keyof typeof FlowKind;

export interface FlowEvent {
  type: 'flow';
  kind: FlowKindName;
  /** Flow start, epoch nanoseconds. */
  start: bigint;
  /** Event time, boot-time nanoseconds. */
  ts: bigint;
  /** Kernel-unique flow identity (a per-probe sequence number). */
  cookie: bigint;
  /** 32-bit hash of addresses, ports, proto and cookie (README, "flowId"). */
  flowId: number;
  connmark: number;
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  /** Network namespace inode. */
  netns: number;
  packetsOrig: number;
  bytesOrig: number;
  packetsRet: number;
  bytesRet: number;
}

const ADDR = 16;
// Column ids of assembly/flow.ts.
const Col = {
  start: 0, ts: 1, cookie: 2, packetsOrig: 3, bytesOrig: 4, packetsRet: 5, bytesRet: 6, flowId: 7, connmark: 8,
  netns: 9, srcPort: 10, dstPort: 11, proto: 12, kind: 13, srcAddr: 14, dstAddr: 15,
} as const;
const kindNames: Record<number, FlowKindName> = { 1: 'update', 2: 'destroy' };

/** An address of a flow record: IPv4 dotted when bytes 4..15 are zero, else IPv6 (RFC 5952 form). */
export function formatAddress(bytes: Uint8Array, at = 0): string {
  let v4 = true;
  for (let i = 4; i < 16; i++) if (bytes[at + i] !== 0) v4 = false;
  if (v4) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[at + i]! << 8) | bytes[at + i + 1]!);
  // longest run (≥ 2) of zero words becomes '::'
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best === 0 && bestLen === 5 && words[5] === 0xffff) return `::ffff:${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

export class FlowBatch implements Batch<FlowEvent> {
  constructor(
    readonly length: number,
    readonly start: BigUint64Array,
    readonly ts: BigUint64Array,
    readonly cookie: BigUint64Array,
    readonly packetsOrig: Float64Array,
    readonly bytesOrig: Float64Array,
    readonly packetsRet: Float64Array,
    readonly bytesRet: Float64Array,
    readonly flowId: Uint32Array,
    readonly connmark: Uint32Array,
    readonly netns: Uint32Array,
    readonly srcPort: Uint16Array,
    readonly dstPort: Uint16Array,
    readonly proto: Uint8Array,
    readonly kind: Uint8Array,
    /** 16 bytes per record. */
    readonly srcAddrBytes: Uint8Array,
    readonly dstAddrBytes: Uint8Array,
  ) {}

  srcAddr(i: number): string {
    return formatAddress(this.srcAddrBytes, i * ADDR);
  }

  dstAddr(i: number): string {
    return formatAddress(this.dstAddrBytes, i * ADDR);
  }

  get(i: number): FlowEvent {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`index ${i} out of batch of ${this.length}`);
    return {
      type: 'flow',
      kind: kindNames[this.kind[i]!]!,
      start: this.start[i]!,
      ts: this.ts[i]!,
      cookie: this.cookie[i]!,
      flowId: this.flowId[i]!,
      connmark: this.connmark[i]!,
      srcAddr: this.srcAddr(i),
      dstAddr: this.dstAddr(i),
      srcPort: this.srcPort[i]!,
      dstPort: this.dstPort[i]!,
      proto: this.proto[i]!,
      netns: this.netns[i]!,
      packetsOrig: this.packetsOrig[i]!,
      bytesOrig: this.bytesOrig[i]!,
      packetsRet: this.packetsRet[i]!,
      bytesRet: this.bytesRet[i]!,
    };
  }

  *[Symbol.iterator](): Iterator<FlowEvent> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** The records of one kind (this batch itself when all are). */
  ofKind(kind: FlowKindName): FlowBatch {
    const k = FlowKind[kind];
    const rows: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.kind[i] === k) rows.push(i);
    return rows.length === this.length ? this : this.select(rows);
  }

  /** A new batch of the given rows, in order. */
  select(rows: readonly number[]): FlowBatch {
    const pick = <T extends { length: number; [i: number]: number | bigint }>(col: T, make: (n: number) => T, stride = 1): T => {
      const out = make(rows.length * stride);
      rows.forEach((r, j) => {
        for (let s = 0; s < stride; s++) out[j * stride + s] = col[r * stride + s]!;
      });
      return out;
    };
    return new FlowBatch(
      rows.length,
      pick(this.start, (n) => new BigUint64Array(n)),
      pick(this.ts, (n) => new BigUint64Array(n)),
      pick(this.cookie, (n) => new BigUint64Array(n)),
      pick(this.packetsOrig, (n) => new Float64Array(n)),
      pick(this.bytesOrig, (n) => new Float64Array(n)),
      pick(this.packetsRet, (n) => new Float64Array(n)),
      pick(this.bytesRet, (n) => new Float64Array(n)),
      pick(this.flowId, (n) => new Uint32Array(n)),
      pick(this.connmark, (n) => new Uint32Array(n)),
      pick(this.netns, (n) => new Uint32Array(n)),
      pick(this.srcPort, (n) => new Uint16Array(n)),
      pick(this.dstPort, (n) => new Uint16Array(n)),
      pick(this.proto, (n) => new Uint8Array(n)),
      pick(this.kind, (n) => new Uint8Array(n)),
      pick(this.srcAddrBytes, (n) => new Uint8Array(n), ADDR),
      pick(this.dstAddrBytes, (n) => new Uint8Array(n), ADDR),
    );
  }

  /** Copies the decoder's columns for `n` records out of WASM memory. */
  static fromDecoder(d: DecoderInstance, n: number): FlowBatch {
    const buf = d.memory.buffer;
    const x = d.exports;
    const u64 = (c: number) => new BigUint64Array(buf, x.flowColumn(c), n).slice();
    const f64 = (c: number) => new Float64Array(buf, x.flowColumn(c), n).slice();
    const u32 = (c: number) => new Uint32Array(buf, x.flowColumn(c), n).slice();
    const u16 = (c: number) => new Uint16Array(buf, x.flowColumn(c), n).slice();
    const u8 = (c: number, stride = 1) => new Uint8Array(buf, x.flowColumn(c), n * stride).slice();
    return new FlowBatch(
      n,
      u64(Col.start),
      u64(Col.ts),
      u64(Col.cookie),
      f64(Col.packetsOrig),
      f64(Col.bytesOrig),
      f64(Col.packetsRet),
      f64(Col.bytesRet),
      u32(Col.flowId),
      u32(Col.connmark),
      u32(Col.netns),
      u16(Col.srcPort),
      u16(Col.dstPort),
      u8(Col.proto),
      u8(Col.kind),
      u8(Col.srcAddr, ADDR),
      u8(Col.dstAddr, ADDR),
    );
  }
}
