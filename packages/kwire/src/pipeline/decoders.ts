// The decoders' WebAssembly module: compiled once per process, one instance (and one shared memory)
// per source attachment, since AssemblyScript runtimes are per instance and not thread-safe.
import { readFileSync } from 'node:fs';
import { decoderWasmPath } from '../platform/artifacts.js';

/** The exports of assembly/index.ts. Pointers are byte offsets into `memory`. */
export interface DecoderExports {
  alloc(size: number): number;
  cursorRing(ring: number): number;
  cursorLinear(buf: number, len: number): void;
  cursorOffset(): number;
  execInit(capacity: number, heapCapacity: number): void;
  execColumn(id: number): number;
  execPack(n: number): number;
  execHeapUsed(): number;
  execErrors(code: number): number;
  execDecode(): number;
  execStatus(): number;
  exitInit(capacity: number): void;
  exitColumn(id: number): number;
  exitPack(n: number): number;
  exitErrors(code: number): number;
  exitDecode(): number;
  exitStatus(): number;
  rawInit(capacity: number, bytes: number): void;
  rawOutput(): number;
  rawUsed(): number;
  rawErrors(code: number): number;
  rawDecode(): number;
  rawStatus(): number;
  flowInit(capacity: number): void;
  flowColumn(id: number): number;
  flowPack(n: number): number;
  flowErrors(code: number): number;
  flowStatus(): number;
  flowFiltered(): number;
  flowFilter(kinds: number, proto: number, port: number, netns: number): void;
  flowFilterAddr(addr: number): void;
  flowDecode(): number;
  loadgenInit(capacity: number): void;
  loadgenColumn(id: number): number;
  loadgenPack(n: number): number;
  loadgenErrors(code: number): number;
  loadgenDecode(): number;
  loadgenStatus(): number;
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
