// The decoders' WebAssembly module: compiled once per process, one instance (and one shared memory)
// per source attachment, since AssemblyScript runtimes are per instance and not thread-safe.
import { readFileSync } from 'node:fs';
import { decoderWasmPath } from '../platform/artifacts.js';

/** The exports every decoders module has (assembly/index.ts); each kind's decoder types its own
 *  (generated/<kind>.ts). Pointers are byte offsets into `memory`. */
export interface DecoderExports {
  alloc(size: number): number;
  cursorRing(ring: number): number;
  cursorLinear(buf: number, len: number): void;
  cursorOffset(): number;
  rawInit(capacity: number, bytes: number): void;
  rawOutput(): number;
  rawUsed(): number;
  rawErrors(code: number): number;
  rawDecode(): number;
  rawStatus(): number;
}

export interface DecoderInstance {
  readonly memory: WebAssembly.Memory;
  readonly exports: DecoderExports;
  /** A fresh view of the memory (the buffer object changes when the memory grows). */
  bytes(): Uint8Array;
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
  return { memory, exports, bytes: () => new Uint8Array(memory.buffer) };
}
