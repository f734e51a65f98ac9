// The .etl walker module (build/etl.wasm): its own memory, apart from the decoders' shared one; the
// frames it writes are moved into a source's shared ring by packages/kwire/src/kinds/etw-etl.ts.
export {
  etlSetClass, etlReset, etlInput, etlOutput, etlOutputUsed, etlOutputFrames, etlOutputClear, etlWalk,
  etlCounter, etlHeaderTypeCount, etlHookCount, etlHeader, etlNames,
} from "./walker";
export { xpressDecompress } from "./xpress";

/** Allocates `size` bytes (for callers of xpressDecompress: fuzzing, benchmarks). */
export function etlAlloc(size: u32): usize {
  return heap.alloc(<usize>size);
}
