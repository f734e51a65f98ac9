// Loadgen records as columns (decoded by assembly/loadgen.ts) and as events.
import type { Batch } from './batch.js';
import type { DecoderInstance } from './decoders.js';

export interface LoadgenEvent {
  type: 'loadgen';
  /** Per-CPU sequence number from 0: a gap is a lost record. */
  seq: bigint;
  /** CLOCK_MONOTONIC nanoseconds at emission (process.hrtime.bigint() reads the same clock). */
  ts: bigint;
  cpu: number;
  tag: number;
}

// Column ids of assembly/loadgen.ts.
const Col = { seq: 0, ts: 1, cpu: 2, tag: 3 } as const;

export class LoadgenBatch implements Batch<LoadgenEvent> {
  constructor(
    readonly length: number,
    readonly seq: BigUint64Array,
    readonly ts: BigUint64Array,
    readonly cpu: Uint32Array,
    readonly tag: Uint32Array,
  ) {}

  get(i: number): LoadgenEvent {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`index ${i} out of batch of ${this.length}`);
    return { type: 'loadgen', seq: this.seq[i]!, ts: this.ts[i]!, cpu: this.cpu[i]!, tag: this.tag[i]! };
  }

  *[Symbol.iterator](): Iterator<LoadgenEvent> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Copies the decoder's columns for `n` records out of WASM memory. */
  static fromDecoder(d: DecoderInstance, n: number): LoadgenBatch {
    const buf = d.memory.buffer;
    const x = d.exports;
    const u64 = (c: number) => new BigUint64Array(buf, x.loadgenColumn(c), n).slice();
    const u32 = (c: number) => new Uint32Array(buf, x.loadgenColumn(c), n).slice();
    return new LoadgenBatch(n, u64(Col.seq), u64(Col.ts), u32(Col.cpu), u32(Col.tag));
  }
}
