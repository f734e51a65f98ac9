// Loadgen decoder: frames of bpf/include/loadgen.h records (104 bytes) into columns.
// A perf transport delivers the raw sample padded (4 + len rounded to 8: 108 bytes), so any length
// >= 104 is accepted and the padding ignored.
import { STATUS_OK, STATUS_TRUNCATED, STATUS_UNKNOWN_SOURCE, STATUS_COUNT } from "./status";
import { SOURCE_LOADGEN } from "./sources";
import { cursorNext, cursorAdvance, cursorEnd, framePtr, frameLen, frameSource } from "./ring";
import { alloc } from "./heap";

// Offsets in the record (bpf/include/loadgen.h; test/loadgen-layout checks them against its BTF).
const SIZE: u32 = 104;
const OFF_SEQ: usize = 0;
const OFF_TS: usize = 8;
const OFF_CPU: usize = 16;
const OFF_TAG: usize = 20;

// Column ids, in the order TypeScript reads them (packages/kwire/src/loadgen-batch.ts).
export const LOADGEN_COL_SEQ: i32 = 0; // u64
export const LOADGEN_COL_TS: i32 = 1;  // u64
export const LOADGEN_COL_CPU: i32 = 2; // u32
export const LOADGEN_COL_TAG: i32 = 3; // u32
const COLUMNS: i32 = 4;

let cap: u32 = 0;
const columns = new StaticArray<usize>(COLUMNS);
const errors = new StaticArray<u32>(STATUS_COUNT);

/** Allocates output for batches of up to `capacity` records. */
export function loadgenInit(capacity: u32): void {
  cap = capacity;
  for (let c = 0; c < COLUMNS; c++) {
    const width: usize = c <= LOADGEN_COL_TS ? 8 : 4;
    unchecked(columns[c] = alloc(width * <usize>capacity));
  }
}

export function loadgenColumn(id: i32): usize {
  return id >= 0 && id < COLUMNS ? unchecked(columns[id]) : 0;
}

/** Frames skipped with status `code` since init. */
export function loadgenErrors(code: i32): u32 {
  return code >= 0 && code < STATUS_COUNT ? unchecked(errors[code]) : 0;
}

let lastStatus: i32 = STATUS_OK;
export function loadgenStatus(): i32 {
  return lastStatus;
}

/** Decodes frames from the cursor (already started) into the columns. Returns the record count. */
export function loadgenDecode(): u32 {
  let n: u32 = 0;
  const seq = unchecked(columns[LOADGEN_COL_SEQ]);
  const ts = unchecked(columns[LOADGEN_COL_TS]);
  const cpu = unchecked(columns[LOADGEN_COL_CPU]);
  const tag = unchecked(columns[LOADGEN_COL_TAG]);
  while (n < cap && cursorNext()) {
    const p = framePtr;
    if (frameSource != SOURCE_LOADGEN) {
      unchecked(errors[STATUS_UNKNOWN_SOURCE]++);
    } else if (frameLen < SIZE) {
      unchecked(errors[STATUS_TRUNCATED]++);
    } else {
      const i = <usize>n;
      store<u64>(seq + (i << 3), load<u64>(p + OFF_SEQ));
      store<u64>(ts + (i << 3), load<u64>(p + OFF_TS));
      store<u32>(cpu + (i << 2), load<u32>(p + OFF_CPU));
      store<u32>(tag + (i << 2), load<u32>(p + OFF_TAG));
      n++;
    }
    cursorAdvance();
  }
  lastStatus = cursorEnd();
  return n;
}
