// The TypeScript side of the top-talker WebAssembly module (assembly/aggregate/top-talkers.ts): lays
// out its regions, copies a batch's columns in (one copy per column), and reads a window's sums back
// out. One instance per subscription of topTalkers(); the memory is the instance's own, not shared.
import { readFileSync } from 'node:fs';
import { aggregateWasmPath } from '../platform/artifacts.js';

interface AggregateExports {
  memory: WebAssembly.Memory;
  topHeapBase(): number;
  topInit(kb: number, kc: number, kt: number, ul: number, fc: number, ft: number, fs: number, cols: number, n: number, sc: number): void;
  topAdd(n: number, cookie: number, kind: number, po: number, bo: number, pr: number, br: number): void;
  topWindow(idleWindows: number): number;
  topUsed(): number;
  topSlotSize(): number;
  topKeyOverflow(): number;
  topFlowOverflow(): number;
  topFlowEvicted(): number;
  topFlows(): number;
}

/** The flow columns every sum reads: what FlowBatch has. */
export interface FlowColumnsIn {
  readonly length: number;
  readonly cookie: BigUint64Array;
  readonly kind: Uint8Array;
  readonly packetsOrig: Float64Array;
  readonly bytesOrig: Float64Array;
  readonly packetsRet: Float64Array;
  readonly bytesRet: Float64Array;
}

/** One key's sums over a window, its key as bytes (the key columns' bytes, one after another). */
export interface KeySums {
  key: Uint8Array;
  bytesOrig: number;
  bytesRet: number;
  packetsOrig: number;
  packetsRet: number;
  records: number;
}

let compiled: WebAssembly.Module | undefined;
const PAGE = 65536;
const align = (n: number, to = 8) => Math.ceil(n / to) * to;

export class FlowSums {
  private readonly x: AggregateExports;
  private readonly keyBytes: number;
  private readonly keyTable: number;
  private readonly usedList: number;
  private readonly columns: number;
  private readonly staging: number;
  private capacity = 0;

  /** Key columns of these widths in bytes; tables of maxKeys keys and maxFlows flows (powers of two). */
  constructor(private readonly widths: readonly number[], maxKeys: number, maxFlows: number) {
    compiled ??= new WebAssembly.Module(readFileSync(aggregateWasmPath()));
    this.x = new WebAssembly.Instance(compiled, { env: { abort: () => { throw new Error('kwire aggregation aborted'); } } }).exports as unknown as AggregateExports;
    const keyBytes = (this.keyBytes = align(Math.max(8, widths.reduce((a, b) => a + b, 0))));
    const kc = pow2(maxKeys * 4 / 3 + 1);
    const fc = pow2(maxFlows * 4 / 3 + 1);
    const slot = 8 + keyBytes + 40;
    let at = align(this.x.topHeapBase(), 16);
    this.columns = at;
    at += align(8 * Math.max(1, widths.length));
    const scratch = at;
    at += keyBytes;
    this.keyTable = at;
    at += kc * slot;
    this.usedList = at;
    at += kc * 4;
    const flowTable = at;
    at += fc * 48;
    const flowSpare = at;
    at += fc * 48;
    this.staging = align(at, 16);
    this.grow(this.staging);
    this.x.topInit(keyBytes, kc, this.keyTable, this.usedList, fc, flowTable, flowSpare, this.columns, widths.length, scratch);
  }

  /** Adds a batch: `keys` are its key columns (as many bytes per record as each width). */
  add(batch: FlowColumnsIn, keys: readonly ArrayBufferView[]): void {
    const n = batch.length;
    if (n === 0) return;
    const perRecord = this.widths.reduce((a, w) => a + w, 0) + 8 * 5 + 1;
    if (n > this.capacity) {
      this.capacity = Math.max(n, this.capacity * 2);
      this.grow(this.staging + align(perRecord * this.capacity + 8 * (this.widths.length + 8), PAGE));
    }
    let at = this.staging;
    const mem = new Uint8Array(this.x.memory.buffer);
    const put = (column: ArrayBufferView, bytes: number): number => {
      const where = at;
      mem.set(new Uint8Array(column.buffer, column.byteOffset, bytes), where);
      at = align(at + bytes);
      return where;
    };
    const descriptors = new Uint32Array(this.x.memory.buffer, this.columns, Math.max(1, this.widths.length) * 2);
    for (let c = 0; c < this.widths.length; c++) {
      descriptors[c * 2] = put(keys[c]!, n * this.widths[c]!);
      descriptors[c * 2 + 1] = this.widths[c]!;
    }
    const cookie = put(batch.cookie, n * 8);
    const kind = put(batch.kind, n);
    const po = put(batch.packetsOrig, n * 8);
    const bo = put(batch.bytesOrig, n * 8);
    const pr = put(batch.packetsRet, n * 8);
    const br = put(batch.bytesRet, n * 8);
    this.x.topAdd(n, cookie, kind, po, bo, pr, br);
  }

  /** The window's sums, key by key; then the key table is emptied and flows idle for `idleWindows`
   *  windows are forgotten (0: never). */
  take(idleWindows: number): KeySums[] {
    const used = this.x.topUsed();
    const slot = this.x.topSlotSize();
    const buffer = this.x.memory.buffer;
    const list = new Uint32Array(buffer, this.usedList, used);
    const out: KeySums[] = new Array(used);
    for (let u = 0; u < used; u++) {
      const at = this.keyTable + list[u]! * slot;
      const sums = new Float64Array(buffer, at + 8 + this.keyBytes, 5);
      out[u] = {
        key: new Uint8Array(buffer.slice(at + 8, at + 8 + this.keyBytes)),
        bytesOrig: sums[0]!, bytesRet: sums[1]!, packetsOrig: sums[2]!, packetsRet: sums[3]!, records: sums[4]!,
      };
    }
    this.x.topWindow(idleWindows);
    return out;
  }

  /** What did not fit, and the flows remembered now. */
  counters(): { keyOverflow: number; flowOverflow: number; flowsEvicted: number; flows: number } {
    return { keyOverflow: this.x.topKeyOverflow(), flowOverflow: this.x.topFlowOverflow(), flowsEvicted: this.x.topFlowEvicted(), flows: this.x.topFlows() };
  }

  private grow(bytes: number): void {
    const have = this.x.memory.buffer.byteLength;
    if (bytes > have) this.x.memory.grow(Math.ceil((bytes - have) / PAGE));
  }
}

function pow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
