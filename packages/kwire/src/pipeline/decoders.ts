// The decoders' WebAssembly module: compiled once per process, one instance (and one shared memory)
// per source attachment, since AssemblyScript runtimes are per instance and not thread-safe.
import { readFileSync } from 'node:fs';
import { decoderWasmPath } from '../platform/artifacts.js';

/** The exports every decoders module has (assembly/index.ts); each kind's decoder types its own
 *  (generated/<kind>.ts). Pointers are byte offsets into `memory`. */
export interface DecoderExports {
  /** Allocates `size` bytes of the instance's heap (never freed before the instance is dropped). */
  alloc(size: number): number;
  /** Starts a walk of the shared ring at `ring`; 0 (status ringCorrupt) on a bad header. */
  cursorRing(ring: number): number;
  /** Starts a walk of `len` bytes of frames at `buf` (no wrap markers, 8-byte padding). */
  cursorLinear(buf: number, len: number): void;
  /** Bytes consumed so far in a linear walk. */
  cursorOffset(): number;
  /** Raw decoder: allocates an output region of `bytes` for chunks of up to `capacity` frames. */
  rawInit(capacity: number, bytes: number): void;
  /** Raw decoder: address of the output region. */
  rawOutput(): number;
  /** Raw decoder: bytes of frames in the last chunk. */
  rawUsed(): number;
  /** Raw decoder: records skipped with status `code` so far. */
  rawErrors(code: number): number;
  /** Raw decoder: copies frames from the started cursor; returns how many. */
  rawDecode(): number;
  /** Raw decoder: the status of the last decode. */
  rawStatus(): number;
}

/** One instance of a decoders module: its shared memory and exports. */
export interface DecoderInstance {
  readonly memory: WebAssembly.Memory;
  readonly exports: DecoderExports;
  /** A fresh view of the memory (the buffer object changes when the memory grows). */
  bytes(): Uint8Array;
  /** Batches taken from this instance view its memory instead of owning a copy (a leased source's,
   *  valid until the next decode: see pipeline/lease.ts). Default false. */
  leased: boolean;
  /** @internal The last leased batch, reused while the decoder's output keeps its shape (layout/slab.ts). */
  leasedBatch: LeasedBatch | undefined;
}

/** @internal A leased batch over `bytes` bytes at `address` of `buffer`, holding `n` records. */
export interface LeasedBatch {
  readonly bytes: number;
  readonly address: number;
  readonly n: number;
  readonly buffer: ArrayBufferLike;
  readonly make: unknown;
  readonly batch: unknown;
}

let compiled: WebAssembly.Module | undefined;

function module(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(decoderWasmPath()));
  return compiled;
}

export function instantiateDecoders(wasm: WebAssembly.Module = module()): DecoderInstance {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
  const abort = (): never => {
    throw new Error('kwire decoder aborted');
  };
  const instance = new WebAssembly.Instance(wasm, { env: { memory, abort } });
  const exports = instance.exports as unknown as DecoderExports & { _initialize?: () => void };
  exports._initialize?.();
  return { memory, exports, bytes: () => new Uint8Array(memory.buffer), leased: false, leasedBatch: undefined };
}
