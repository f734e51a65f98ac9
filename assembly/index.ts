// The decoders module: one WebAssembly instance per source, over one shared memory.
export { alloc } from "./heap";
export { cursorRing, cursorLinear, cursorOffset } from "./ring";
export { execInit, execColumn, execHeapUsed, execErrors, execDecode, execStatus } from "./generated/exec";
export { exitInit, exitColumn, exitErrors, exitDecode, exitStatus } from "./exit";
export { rawInit, rawOutput, rawUsed, rawErrors, rawDecode, rawStatus } from "./raw";
export { flowInit, flowColumn, flowErrors, flowStatus, flowFiltered, flowFilter, flowFilterAddr, flowDecode } from "./flow";
export { loadgenInit, loadgenColumn, loadgenErrors, loadgenDecode, loadgenStatus } from "./loadgen";
