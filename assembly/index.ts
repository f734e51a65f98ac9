// The decoders module: one WebAssembly instance per source, over one shared memory.
export { alloc } from "./heap";
export { cursorRing, cursorLinear, cursorOffset } from "./ring";
export { execInit, execColumn, execHeapUsed, execErrors, execDecode, execStatus } from "./generated/exec";
