// The decoders module: one WebAssembly instance per source, over one shared memory.
export { alloc } from "./heap";
export { cursorRing, cursorLinear, cursorOffset } from "./ring";
export { execInit, execColumn, execPack, execHeapUsed, execErrors, execDecode, execStatus } from "./generated/exec";
export { exitInit, exitColumn, exitPack, exitErrors, exitDecode, exitStatus } from "./generated/exit";
export { rawInit, rawOutput, rawUsed, rawErrors, rawDecode, rawStatus } from "./raw";
export { flowInit, flowColumn, flowPack, flowErrors, flowStatus, flowFiltered, flowDecode } from "./generated/flow";
export { flowFilter, flowFilterAddr } from "./flow-hooks";
export { loadgenInit, loadgenColumn, loadgenPack, loadgenErrors, loadgenDecode, loadgenStatus } from "./generated/loadgen";
