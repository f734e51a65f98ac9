// Exec decoder: frames of bpf/include/exec.h records into columns plus a string heap.
// Head fields go to typed columns; comm to a 16-byte-stride column; filename+argv tail bytes are
// copied to the string heap unchanged (TypeScript splits and decodes them only when read).
import { STATUS_OK, STATUS_TRUNCATED, STATUS_BAD_LENGTH, STATUS_UNKNOWN_SOURCE, STATUS_COUNT } from "./status";
import { SOURCE_EXEC } from "./sources";
import { cursorNext, cursorAdvance, cursorEnd, framePtr, frameLen, frameSource } from "./ring";
import { alloc } from "./heap";

// Offsets in the record head (bpf/include/exec.h; test/exec-layout.test.ts checks them against its BTF).
const HEAD_SIZE: u32 = 64;
const OFF_TS: usize = 0;
const OFF_CGROUP_ID: usize = 8;
const OFF_PID: usize = 16;
const OFF_PPID: usize = 20;
const OFF_UID: usize = 24;
const OFF_GID: usize = 28;
const OFF_PIDNS: usize = 32;
const OFF_ARGC: usize = 36;
const OFF_ARGS_SIZE: usize = 40;
const OFF_FLAGS: usize = 44;
const OFF_COMM: usize = 48;
const COMM_LEN: usize = 16;

// Column ids, in the order TypeScript reads them (packages/kwire/src/exec-batch.ts).
export const EXEC_COL_TS: i32 = 0;         // u64
export const EXEC_COL_CGROUP_ID: i32 = 1;  // u64
export const EXEC_COL_PID: i32 = 2;        // u32
export const EXEC_COL_PPID: i32 = 3;
export const EXEC_COL_UID: i32 = 4;
export const EXEC_COL_GID: i32 = 5;
export const EXEC_COL_PIDNS: i32 = 6;
export const EXEC_COL_ARGC: i32 = 7;
export const EXEC_COL_FLAGS: i32 = 8;
export const EXEC_COL_TAIL_OFF: i32 = 9;   // u32 offset of the tail in the string heap
export const EXEC_COL_TAIL_LEN: i32 = 10;  // u32
export const EXEC_COL_COMM: i32 = 11;      // 16 bytes per record
export const EXEC_COL_HEAP: i32 = 12;      // string heap bytes
const COLUMNS: i32 = 13;

let cap: u32 = 0;
let heapCap: u32 = 0;
let heapUsed: u32 = 0;
const columns = new StaticArray<usize>(COLUMNS);
const errors = new StaticArray<u32>(STATUS_COUNT);

/** Allocates output for batches of up to `capacity` records and `heapCapacity` tail bytes. */
export function execInit(capacity: u32, heapCapacity: u32): void {
  cap = capacity;
  heapCap = heapCapacity;
  for (let c = 0; c < COLUMNS; c++) {
    const width: usize = c <= EXEC_COL_CGROUP_ID ? 8 : c == EXEC_COL_COMM ? COMM_LEN : 4;
    unchecked(columns[c] = alloc(c == EXEC_COL_HEAP ? <usize>heapCapacity : width * <usize>capacity));
  }
}

export function execColumn(id: i32): usize {
  return id >= 0 && id < COLUMNS ? unchecked(columns[id]) : 0;
}

/** Bytes of string heap used by the last batch. */
export function execHeapUsed(): u32 {
  return heapUsed;
}

/** Frames skipped with status `code` since init. */
export function execErrors(code: i32): u32 {
  return code >= 0 && code < STATUS_COUNT ? unchecked(errors[code]) : 0;
}

/** Decodes frames from the cursor (already started) into the columns. Returns the record count;
 *  the walk's status is in execStatus(). Stops early, leaving the frame, when the heap is full. */
export function execDecode(): u32 {
  let n: u32 = 0;
  heapUsed = 0;
  while (n < cap && cursorNext()) {
    const code = record(framePtr, frameLen, frameSource, n);
    if (code == -1) break; // heap full: the frame waits for the next batch
    if (code == STATUS_OK) n++;
    else unchecked(errors[code]++);
    cursorAdvance();
  }
  lastStatus = cursorEnd();
  return n;
}

let lastStatus: i32 = STATUS_OK;
export function execStatus(): i32 {
  return lastStatus;
}

@inline function record(p: usize, len: u32, source: u16, n: u32): i32 {
  if (source != SOURCE_EXEC) return STATUS_UNKNOWN_SOURCE;
  if (len < HEAD_SIZE) return STATUS_TRUNCATED;
  const tail = load<u32>(p + OFF_ARGS_SIZE);
  if (tail > len - HEAD_SIZE) return STATUS_BAD_LENGTH;
  if (tail > heapCap) return STATUS_BAD_LENGTH; // could never fit a batch
  if (heapUsed + tail > heapCap) return -1;
  const i = <usize>n;
  store<u64>(unchecked(columns[EXEC_COL_TS]) + (i << 3), load<u64>(p + OFF_TS));
  store<u64>(unchecked(columns[EXEC_COL_CGROUP_ID]) + (i << 3), load<u64>(p + OFF_CGROUP_ID));
  store<u32>(unchecked(columns[EXEC_COL_PID]) + (i << 2), load<u32>(p + OFF_PID));
  store<u32>(unchecked(columns[EXEC_COL_PPID]) + (i << 2), load<u32>(p + OFF_PPID));
  store<u32>(unchecked(columns[EXEC_COL_UID]) + (i << 2), load<u32>(p + OFF_UID));
  store<u32>(unchecked(columns[EXEC_COL_GID]) + (i << 2), load<u32>(p + OFF_GID));
  store<u32>(unchecked(columns[EXEC_COL_PIDNS]) + (i << 2), load<u32>(p + OFF_PIDNS));
  store<u32>(unchecked(columns[EXEC_COL_ARGC]) + (i << 2), load<u32>(p + OFF_ARGC));
  store<u32>(unchecked(columns[EXEC_COL_FLAGS]) + (i << 2), load<u32>(p + OFF_FLAGS));
  store<u32>(unchecked(columns[EXEC_COL_TAIL_OFF]) + (i << 2), heapUsed);
  store<u32>(unchecked(columns[EXEC_COL_TAIL_LEN]) + (i << 2), tail);
  memory.copy(unchecked(columns[EXEC_COL_COMM]) + i * COMM_LEN, p + OFF_COMM, COMM_LEN);
  memory.copy(unchecked(columns[EXEC_COL_HEAP]) + heapUsed, p + HEAD_SIZE, tail);
  heapUsed += tail;
  return STATUS_OK;
}
