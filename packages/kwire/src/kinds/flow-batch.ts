// Flow records as columns (decoded by assembly/generated/flow.ts) and as events. Addresses stay 16 raw bytes per
// record until read; formatAddress renders them (IPv4 when bytes 4..15 are zero).
import type { Batch } from '../pipeline/batch.js';
import type { DecoderInstance } from '../pipeline/decoders.js';
import { flowColumns, type FlowColumns } from '../generated/flow.js';

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
  readonly length: number;
  readonly start: BigUint64Array;
  readonly ts: BigUint64Array;
  readonly cookie: BigUint64Array;
  readonly packetsOrig: Float64Array;
  readonly bytesOrig: Float64Array;
  readonly packetsRet: Float64Array;
  readonly bytesRet: Float64Array;
  readonly flowId: Uint32Array;
  readonly connmark: Uint32Array;
  readonly netns: Uint32Array;
  readonly srcPort: Uint16Array;
  readonly dstPort: Uint16Array;
  readonly proto: Uint8Array;
  readonly kind: Uint8Array;
  /** 16 bytes per record. */
  readonly srcAddrBytes: Uint8Array;
  readonly dstAddrBytes: Uint8Array;

  /** Columns generated from the flow layout (packages/kwire/src/generated/flow.ts). */
  constructor(private readonly c: FlowColumns) {
    this.length = c.length;
    this.start = c.start;
    this.ts = c.ts;
    this.cookie = c.cookie;
    this.packetsOrig = c.packetsOrig;
    this.bytesOrig = c.bytesOrig;
    this.packetsRet = c.packetsRet;
    this.bytesRet = c.bytesRet;
    this.flowId = c.flowId;
    this.connmark = c.connmark;
    this.netns = c.netns;
    this.srcPort = c.srcPort;
    this.dstPort = c.dstPort;
    this.proto = c.proto;
    this.kind = c.kind;
    this.srcAddrBytes = c.srcAddr;
    this.dstAddrBytes = c.dstAddr;
  }

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
    const c = this.c;
    return new FlowBatch({
      length: rows.length,
      start: pick(c.start, (n) => new BigUint64Array(n)),
      ts: pick(c.ts, (n) => new BigUint64Array(n)),
      cookie: pick(c.cookie, (n) => new BigUint64Array(n)),
      srcAddr: pick(c.srcAddr, (n) => new Uint8Array(n), ADDR),
      dstAddr: pick(c.dstAddr, (n) => new Uint8Array(n), ADDR),
      packetsOrig: pick(c.packetsOrig, (n) => new Float64Array(n)),
      bytesOrig: pick(c.bytesOrig, (n) => new Float64Array(n)),
      packetsRet: pick(c.packetsRet, (n) => new Float64Array(n)),
      bytesRet: pick(c.bytesRet, (n) => new Float64Array(n)),
      connmark: pick(c.connmark, (n) => new Uint32Array(n)),
      netns: pick(c.netns, (n) => new Uint32Array(n)),
      srcPort: pick(c.srcPort, (n) => new Uint16Array(n)),
      dstPort: pick(c.dstPort, (n) => new Uint16Array(n)),
      proto: pick(c.proto, (n) => new Uint8Array(n)),
      kind: pick(c.kind, (n) => new Uint8Array(n)),
      flowId: pick(c.flowId, (n) => new Uint32Array(n)),
    });
  }

  /** Copies the decoder's columns for `n` records out of WASM memory. */
  static fromDecoder(d: DecoderInstance, n: number): FlowBatch {
    return new FlowBatch(flowColumns(d, n));
  }
}
