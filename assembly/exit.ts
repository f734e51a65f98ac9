// Exit decoder: frames of bpf/include/exit.h records (fixed size) into columns. comm goes to a
// 16-byte-stride column, decoded by TypeScript only when read.
import { STATUS_OK, STATUS_TRUNCATED, STATUS_BAD_LENGTH, STATUS_UNKNOWN_SOURCE, STATUS_COUNT } from "./status";
import { SOURCE_EXIT } from "./sources";
import { cursorNext, cursorAdvance, cursorEnd, framePtr, frameLen, frameSource } from "./ring";
import { alloc } from "./heap";

// Offsets in the record (bpf/include/exit.h; test/exit-layout.test.ts checks them against its BTF).
const EVENT_SIZE: u32 = 72;
const OFF_START_TIME: usize = 0;
const OFF_EXIT_TIME: usize = 8;
const OFF_CGROUP_ID: usize = 16;
const OFF_PIDNS_DEV: usize = 24;
const OFF_PID: usize = 32;
const OFF_TID: usize = 36;
const OFF_PPID: usize = 40;
const OFF_STATUS: usize = 44;
const OFF_PIDNS: usize = 48;
const OFF_FLAGS: usize = 52;
const OFF_COMM: usize = 56;
const COMM_LEN: usize = 16;

// Column ids, in the order TypeScript reads them (packages/kwire/src/exit-batch.ts).
export const EXIT_COL_START_TIME: i32 = 0; // u64
export const EXIT_COL_EXIT_TIME: i32 = 1;  // u64
export const EXIT_COL_CGROUP_ID: i32 = 2;  // u64
export const EXIT_COL_PIDNS_DEV: i32 = 3;  // u64
export const EXIT_COL_PID: i32 = 4;        // u32
export const EXIT_COL_TID: i32 = 5;
export const EXIT_COL_PPID: i32 = 6;
export const EXIT_COL_STATUS: i32 = 7;
export const EXIT_COL_PIDNS: i32 = 8;
export const EXIT_COL_FLAGS: i32 = 9;
export const EXIT_COL_COMM: i32 = 10;      // 16 bytes per record
const COLUMNS: i32 = 11;

let cap: u32 = 0;
const columns = new StaticArray<usize>(COLUMNS);
// The same bases as globals for the hot loop (a global read is cheaper than a load from the array).
let cStart: usize = 0, cExit: usize = 0, cCgroup: usize = 0, cDev: usize = 0, cPid: usize = 0, cTid: usize = 0;
let cPpid: usize = 0, cStatus: usize = 0, cPidns: usize = 0, cFlags: usize = 0, cComm: usize = 0;
const errors = new StaticArray<u32>(STATUS_COUNT);
let lastStatus: i32 = STATUS_OK;

/** Allocates output for batches of up to `capacity` records. */
export function exitInit(capacity: u32): void {
  cap = capacity;
  for (let c = 0; c < COLUMNS; c++) {
    const width: usize = c <= EXIT_COL_PIDNS_DEV ? 8 : c == EXIT_COL_COMM ? COMM_LEN : 4;
    unchecked(columns[c] = alloc(width * <usize>capacity));
  }
  cStart = unchecked(columns[EXIT_COL_START_TIME]);
  cExit = unchecked(columns[EXIT_COL_EXIT_TIME]);
  cCgroup = unchecked(columns[EXIT_COL_CGROUP_ID]);
  cDev = unchecked(columns[EXIT_COL_PIDNS_DEV]);
  cPid = unchecked(columns[EXIT_COL_PID]);
  cTid = unchecked(columns[EXIT_COL_TID]);
  cPpid = unchecked(columns[EXIT_COL_PPID]);
  cStatus = unchecked(columns[EXIT_COL_STATUS]);
  cPidns = unchecked(columns[EXIT_COL_PIDNS]);
  cFlags = unchecked(columns[EXIT_COL_FLAGS]);
  cComm = unchecked(columns[EXIT_COL_COMM]);
}

export function exitColumn(id: i32): usize {
  return id >= 0 && id < COLUMNS ? unchecked(columns[id]) : 0;
}

/** Frames skipped with status `code` since init. */
export function exitErrors(code: i32): u32 {
  return code >= 0 && code < STATUS_COUNT ? unchecked(errors[code]) : 0;
}

/** Decodes frames from the cursor (already started) into the columns. Returns the record count;
 *  the walk's status is in exitStatus(). */
export function exitDecode(): u32 {
  let n: u32 = 0;
  while (n < cap && cursorNext()) {
    const code = record(framePtr, frameLen, frameSource, n);
    if (code == STATUS_OK) n++;
    else unchecked(errors[code]++);
    cursorAdvance();
  }
  lastStatus = cursorEnd();
  return n;
}

export function exitStatus(): i32 {
  return lastStatus;
}

@inline function record(p: usize, len: u32, source: u16, n: u32): i32 {
  if (source != SOURCE_EXIT) return STATUS_UNKNOWN_SOURCE;
  if (len < EVENT_SIZE) return STATUS_TRUNCATED;
  if (len != EVENT_SIZE && len != EVENT_SIZE + 4) return STATUS_BAD_LENGTH; // + 4: as a perf sample pads it
  const q = <usize>n << 3;
  const h = <usize>n << 2;
  store<u64>(cStart + q, load<u64>(p + OFF_START_TIME));
  store<u64>(cExit + q, load<u64>(p + OFF_EXIT_TIME));
  store<u64>(cCgroup + q, load<u64>(p + OFF_CGROUP_ID));
  store<u64>(cDev + q, load<u64>(p + OFF_PIDNS_DEV));
  store<u32>(cPid + h, load<u32>(p + OFF_PID));
  store<u32>(cTid + h, load<u32>(p + OFF_TID));
  store<u32>(cPpid + h, load<u32>(p + OFF_PPID));
  store<u32>(cStatus + h, load<u32>(p + OFF_STATUS));
  store<u32>(cPidns + h, load<u32>(p + OFF_PIDNS));
  store<u32>(cFlags + h, load<u32>(p + OFF_FLAGS));
  // Two u64 moves, not memory.copy: on a shared memory V8 runs memory.copy as a call (~20 ns).
  const comm = cComm + (<usize>n << 4);
  store<u64>(comm, load<u64>(p + OFF_COMM));
  store<u64>(comm, load<u64>(p + OFF_COMM + 8), 8);
  return STATUS_OK;
}
