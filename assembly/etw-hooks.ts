// What the etw decoder (assembly/generated/etw.ts, from packages/kwire/src/kinds/etw.ts) does beyond its
// layout: an in-pass filter that runs before any column is written. It drops, and counts by key,
//   - unknown events: a (class, opcode or event id, version) no variant of the layout decodes
//     (TypeScript registers the known ones from the layout: etwKnow), so they are never decode errors;
//   - events the caller's filter refuses (classes/opcodes as keys, pids), like kstream's SetFilter.
// A key is (eventClass << 8) | opcode for kernel classes (eventClass < 0x100), 0x10000 | (class & 0xff)
// << 8 | eventId for manifest providers (0x100..0x1fe, ids < 256), else 0x1ff00 | opcode.
// The tables are allocated on first use, so other kinds' instances of the decoders module do not pay.
const OFF_PID: usize = 32;
const OFF_CLASS: usize = 40;
const OFF_ID: usize = 42;
const OFF_OPCODE: usize = 46;
const OFF_VERSION: usize = 47;
const OFF_FLAGS: usize = 52;
const KEYS: u32 = 0x20000;
const MAX_PIDS: u32 = 256;

let known: usize = 0; // u32 per key: a bit per known version (0..31)
let pidAt: usize = 0; // u16 per key: where the payload's pid is, 64-bit | 32-bit writer << 8; 0xffff: the header's
let allowed: usize = 0; // u8 per key, with etwFilterKeys(true)
let unknown: usize = 0; // u32 per key: unknown events seen
let pids: usize = 0;
let pidCount: u32 = 0;
let keysOn = false;
let userFiltered: u32 = 0;
let unknownTotal: u32 = 0;
/** Whether the filter runs: once the known events are registered. */
export let etwKeepOn: bool = false;

function tables(): void {
  if (known != 0) return;
  known = heap.alloc(<usize>KEYS * 4);
  pidAt = heap.alloc(<usize>KEYS * 2);
  memory.fill(pidAt, 0xff, <usize>KEYS * 2);
  allowed = heap.alloc(<usize>KEYS);
  unknown = heap.alloc(<usize>KEYS * 4);
  pids = heap.alloc(<usize>MAX_PIDS * 4);
  memory.fill(known, 0, <usize>KEYS * 4);
  memory.fill(allowed, 0, <usize>KEYS);
  memory.fill(unknown, 0, <usize>KEYS * 4);
}

@inline function key(p: usize): u32 {
  const cls = <u32>load<u16>(p + OFF_CLASS);
  if (cls < 0x100) return (cls << 8) | <u32>load<u8>(p + OFF_OPCODE);
  const id = <u32>load<u16>(p + OFF_ID);
  if (cls < 0x1ff && id < 0x100) return 0x10000 | ((cls & 0xff) << 8) | id;
  return 0x1ff00 | <u32>load<u8>(p + OFF_OPCODE);
}

/** Registers `key` as decoded for the versions in the bit mask `versions` (bit v: version v). */
export function etwKnow(k: u32, versions: u32): void {
  tables();
  if (k >= KEYS) return;
  store<u32>(known + (<usize>k << 2), load<u32>(known + (<usize>k << 2)) | versions);
  etwKeepOn = true;
}

/** Where the pid of `key`'s events is in their frame (bytes from the frame's payload start): `at64` for a
 *  64-bit writer, `at32` for a 32-bit one; 0xff both: the header's pid. */
export function etwPidAt(k: u32, at64: u32, at32: u32): void {
  tables();
  if (k < KEYS) store<u16>(pidAt + (<usize>k << 1), <u16>((at64 & 0xff) | ((at32 & 0xff) << 8)));
}

/** Turns the key filter on (only keys passed to etwFilterAllow pass) or off; clears the pids. */
export function etwFilterKeys(on: bool): void {
  tables();
  keysOn = on;
  memory.fill(allowed, 0, <usize>KEYS);
  pidCount = 0;
}

export function etwFilterAllow(k: u32): void {
  tables();
  if (k < KEYS) store<u8>(allowed + <usize>k, 1);
}

/** Adds a pid the filter lets through: the pid the event is about (its payload's, else its header's).
 *  Events with none (a PERFINFO header and no pid in the payload) pass. */
export function etwFilterPid(pid: u32): void {
  tables();
  if (pidCount >= MAX_PIDS) return;
  store<u32>(pids + (<usize>pidCount << 2), pid);
  pidCount++;
}

/** Unknown events counted under `k`; with k = 0xffffffff, the total. */
export function etwUnknown(k: u32): u32 {
  if (k == 0xffffffff) return unknownTotal;
  return unknown != 0 && k < KEYS ? load<u32>(unknown + (<usize>k << 2)) : 0;
}

/** Events the caller's filter dropped. */
export function etwUserFiltered(): u32 {
  return userFiltered;
}

/** The number of keys (for walking etwUnknown). */
export function etwKeyCount(): u32 {
  return KEYS;
}

@inline export function etwKeep(p: usize, len: u32): bool {
  const k = key(p);
  const v = <u32>load<u8>(p + OFF_VERSION);
  if (v >= 32 || (load<u32>(known + (<usize>k << 2)) & (1 << v)) == 0) {
    store<u32>(unknown + (<usize>k << 2), load<u32>(unknown + (<usize>k << 2)) + 1);
    unknownTotal++;
    return false;
  }
  if (keysOn && load<u8>(allowed + <usize>k) == 0) {
    userFiltered++;
    return false;
  }
  if (pidCount > 0) {
    const where = <u32>load<u16>(pidAt + (<usize>k << 1));
    const at = (load<u16>(p + OFF_FLAGS) & 1) != 0 ? where >> 8 : where & 0xff;
    const pid = at == 0xff ? load<u32>(p + OFF_PID) : at + 4 <= len ? load<u32>(p + <usize>at) : 0xffffffff;
    if (pid != 0xffffffff) {
      let found = false;
      for (let j: u32 = 0; j < pidCount; j++) {
        if (load<u32>(pids + (<usize>j << 2)) == pid) {
          found = true;
          break;
        }
      }
      if (!found) {
        userFiltered++;
        return false;
      }
    }
  }
  return true;
}
