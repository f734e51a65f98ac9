// Loadgen records as columns (decoded by assembly/generated/loadgen.ts) and as events.
import type { Batch } from '../pipeline/batch.js';
import type { DecoderInstance } from '../pipeline/decoders.js';
import { loadgenColumns, type LoadgenColumns } from '../generated/loadgen.js';

export interface LoadgenEvent {
  type: 'loadgen';
  /** Per-CPU sequence number from 0: a gap is a lost record. */
  seq: bigint;
  /** CLOCK_MONOTONIC nanoseconds at emission (process.hrtime.bigint() reads the same clock). */
  ts: bigint;
  cpu: number;
  tag: number;
}

export class LoadgenBatch implements Batch<LoadgenEvent> {
  readonly length: number;
  readonly seq: BigUint64Array;
  readonly ts: BigUint64Array;
  readonly cpu: Uint32Array;
  readonly tag: Uint32Array;

  /** Columns generated from the loadgen layout (packages/kwire/src/generated/loadgen.ts). */
  constructor(c: LoadgenColumns) {
    this.length = c.length;
    this.seq = c.seq;
    this.ts = c.ts;
    this.cpu = c.cpu;
    this.tag = c.tag;
  }

  get(i: number): LoadgenEvent {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`index ${i} out of batch of ${this.length}`);
    return { type: 'loadgen', seq: this.seq[i]!, ts: this.ts[i]!, cpu: this.cpu[i]!, tag: this.tag[i]! };
  }

  *[Symbol.iterator](): Iterator<LoadgenEvent> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Copies the decoder's columns for `n` records out of WASM memory. */
  static fromDecoder(d: DecoderInstance, n: number): LoadgenBatch {
    return new LoadgenBatch(loadgenColumns(d, n));
  }
}
