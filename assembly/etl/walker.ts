// The .etl walker: WMI_BUFFER_HEADER buffers (decompressed when BufferFlag 0x40 says so), the records in
// each buffer by header type, and one ETW frame per record (packages/kwire/src/kinds/etw-frame.ts has the
// frame, byte by byte) into an output region that TypeScript moves into the shared ring. The first record
// of the file, the logfile header, sets the clock that turns raw timestamps into FILETIMEs.
// ../../shared/fixtures/etw/FORMAT.md (fixtures/etw/FORMAT.md) describes the format this follows.
// Nothing here trusts the input: a buffer or record that does not fit is counted and skipped.
import { xpressDecompress } from "./xpress";

const SOURCE: u32 = 12; // SourceId.etw
const HEADER: u32 = 56; // ETW_HEADER_SIZE
const NO_ID: u32 = 0xffffffff;
const UNKNOWN_CLASS: u32 = 0xffff;
const FLAG_PTR32: u32 = 0x1;
const FLAG_CLASSIC: u32 = 0x2;
const FLAG_RUNDOWN: u32 = 0x4;
const FLAG_NO_PID: u32 = 0x8;
const FLAG_EXTENDED: u32 = 0x10;

const BUFFER_HEADER: u32 = 0x48;
const BUFFER_COMPRESSED: u32 = 0x40;
const BUFFER_PROC_INDEX: u32 = 0x20;
/** Largest buffer (on disk, or decompressed) the walker accepts: ETW's limit is 16 MiB. */
const MAX_BUFFER: u32 = 16 << 20;

// Counters, by index (packages/kwire/src/kinds/etw-etl.ts names them).
export const C_BUFFERS: i32 = 0;
export const C_COMPRESSED: i32 = 1;
export const C_RECORDS: i32 = 2;
export const C_BAD_BUFFERS: i32 = 3;
export const C_BAD_RECORDS: i32 = 4;
export const C_XPRESS_ERRORS: i32 = 5;
export const C_TRUNCATED_BYTES: i32 = 6;
export const C_SKIPPED_BYTES: i32 = 7;
export const C_UNKNOWN_HEADERS: i32 = 8;
export const C_MESSAGES: i32 = 9;
export const C_NO_CLOCK: i32 = 10;
export const C_COUNT: i32 = 11;
const counters = new StaticArray<u64>(C_COUNT);
const headerTypes = new StaticArray<u32>(256);
const hooks = new StaticArray<u32>(65536);

// Clock and logfile header (TRACE_LOGFILE_HEADER), by index (etw-etl.ts names them).
export const H_SEEN: i32 = 0;
export const H_BUFFER_SIZE: i32 = 1;
export const H_VERSION: i32 = 2;
export const H_BUILD: i32 = 3;
export const H_CPUS: i32 = 4;
export const H_END_TIME: i32 = 5;
export const H_LOG_FILE_MODE: i32 = 6;
export const H_BUFFERS_WRITTEN: i32 = 7;
export const H_POINTER_SIZE: i32 = 8;
export const H_EVENTS_LOST: i32 = 9;
export const H_CPU_MHZ: i32 = 10;
export const H_BOOT_TIME: i32 = 11;
export const H_PERF_FREQ: i32 = 12;
export const H_START_TIME: i32 = 13;
export const H_CLOCK_TYPE: i32 = 14;
export const H_BUFFERS_LOST: i32 = 15;
export const H_RAW_START: i32 = 16;
export const H_NAMES_LENGTH: i32 = 17;
export const H_COUNT: i32 = 18;
const header = new StaticArray<u64>(H_COUNT);
const NAMES_MAX: u32 = 1024;
let names: usize = 0;

let clockFreq: u64 = 0; // ticks per second; 0: no clock (yet)
let clockSystem = false; // raw timestamps are FILETIMEs already
let clockStart: u64 = 0;
let clockRaw0: i64 = 0;

// Kernel classes and manifest providers: GUID (two u64 halves of the GUID struct's bytes) → eventClass.
const CLASS_MAX = 64;
const classLo = new StaticArray<u64>(CLASS_MAX);
const classHi = new StaticArray<u64>(CLASS_MAX);
const classId = new StaticArray<u32>(CLASS_MAX);
let classCount = 0;
const groupLo = new StaticArray<u64>(256);
const groupHi = new StaticArray<u64>(256);

let input: usize = 0;
let inputCap: u32 = 0;
let out: usize = 0;
let outCap: u32 = 0;
let outUsed: u32 = 0;
let frames: u32 = 0;
let scratch: usize = 0;
let scratchCap: u32 = 0;
let stopped = false;

/** Registers a GUID's eventClass (kernel classes below 0x100 are also the GUID written for their group). */
export function etlSetClass(eventClass: u32, lo: u64, hi: u64): void {
  if (classCount >= CLASS_MAX) return;
  unchecked((classLo[classCount] = lo));
  unchecked((classHi[classCount] = hi));
  unchecked((classId[classCount] = eventClass));
  classCount++;
  if (eventClass < 256) {
    unchecked((groupLo[eventClass] = lo));
    unchecked((groupHi[eventClass] = hi));
  }
}

/** Starts a new file: counters, clock and output cleared. */
export function etlReset(): void {
  for (let i = 0; i < C_COUNT; i++) unchecked((counters[i] = 0));
  for (let i = 0; i < H_COUNT; i++) unchecked((header[i] = 0));
  for (let i = 0; i < 256; i++) unchecked((headerTypes[i] = 0));
  memory.fill(changetype<usize>(hooks), 0, 65536 * 4);
  clockFreq = 0;
  clockSystem = false;
  outUsed = 0;
  frames = 0;
  stopped = false;
  if (names == 0) names = heap.alloc(NAMES_MAX);
}

/** Where TypeScript writes up to `size` bytes of the file for the next etlWalk. */
export function etlInput(size: u32): usize {
  if (size > inputCap) {
    input = heap.alloc(<usize>size);
    inputCap = size;
  }
  return input;
}

export function etlOutput(): usize {
  return out;
}
export function etlOutputUsed(): u32 {
  return outUsed;
}
export function etlOutputFrames(): u32 {
  return frames;
}
/** The output was moved out: start it again. */
export function etlOutputClear(): void {
  outUsed = 0;
  frames = 0;
}
export function etlCounter(i: i32): u64 {
  return i >= 0 && i < C_COUNT ? unchecked(counters[i]) : 0;
}
export function etlHeaderTypeCount(t: i32): u32 {
  return t >= 0 && t < 256 ? unchecked(headerTypes[t]) : 0;
}
export function etlHookCount(hook: i32): u32 {
  return hook >= 0 && hook < 65536 ? unchecked(hooks[hook]) : 0;
}
export function etlHeader(i: i32): u64 {
  return i >= 0 && i < H_COUNT ? unchecked(header[i]) : 0;
}
/** The logger and log file names after the logfile header (UTF-16, NUL-terminated), H_NAMES_LENGTH bytes. */
export function etlNames(): usize {
  return names;
}

function ensureOut(need: u32): void {
  if (outCap - outUsed >= need) return;
  const cap = max(need + outUsed, outCap * 2);
  const next = heap.alloc(<usize>cap);
  if (outUsed > 0) memory.copy(next, out, <usize>outUsed);
  out = next;
  outCap = cap;
}

/** Walks the whole buffers in the first `len` input bytes (`final`: the file ends there) into frames.
 *  Returns the bytes consumed; the rest (a partial buffer) waits for more input. Stops early, before a
 *  buffer, when the output already holds `softLimit` bytes of frames (TypeScript moves them out). */
export function etlWalk(len: u32, final: bool, softLimit: u32): u32 {
  let at: u32 = 0;
  while (at < len) {
    const avail = len - at;
    if (stopped) {
      counters[C_SKIPPED_BYTES] += avail;
      return len;
    }
    if (outUsed >= softLimit) break;
    if (avail < BUFFER_HEADER) {
      if (final) {
        counters[C_TRUNCATED_BYTES] += avail;
        at = len;
      }
      break;
    }
    const b = input + <usize>at;
    const size = load<u32>(b);
    const offset = load<u32>(b, 0x30);
    if (size < BUFFER_HEADER || size > MAX_BUFFER) {
      // The buffer chain is broken: nothing after it can be located.
      counters[C_BAD_BUFFERS]++;
      stopped = true;
      continue;
    }
    if (avail < size) {
      if (final) {
        counters[C_TRUNCATED_BYTES] += avail;
        at = len;
      }
      break;
    }
    const compressed = (<u32>load<u16>(b, 0x34) & BUFFER_COMPRESSED) != 0;
    const data = compressed ? (offset > BUFFER_HEADER && offset - BUFFER_HEADER <= MAX_BUFFER ? offset - BUFFER_HEADER : 0) : min(size, offset);
    // Worst case: a 16-byte record becomes a 64-byte frame.
    ensureOut(data * 4 + 64);
    walkBuffer(b, size);
    at += size;
  }
  return at;
}

function walkBuffer(b: usize, size: u32): void {
  counters[C_BUFFERS]++;
  const offset = load<u32>(b, 0x30);
  const bflags = <u32>load<u16>(b, 0x34);
  if (offset < BUFFER_HEADER) {
    counters[C_BAD_BUFFERS]++;
    return;
  }
  const cpu: u32 = (bflags & BUFFER_PROC_INDEX) != 0 ? <u32>load<u16>(b, 0x28) & 0x7ff : <u32>load<u8>(b, 0x28);
  let data: usize;
  let dlen: u32;
  if ((bflags & BUFFER_COMPRESSED) != 0) {
    counters[C_COMPRESSED]++;
    const want = offset - BUFFER_HEADER;
    if (want > MAX_BUFFER) {
      counters[C_BAD_BUFFERS]++;
      return;
    }
    if (want > scratchCap) {
      scratch = heap.alloc(<usize>want);
      scratchCap = want;
    }
    const got = xpressDecompress(b + BUFFER_HEADER, size - BUFFER_HEADER, scratch, want);
    if (got != <i32>want) {
      counters[C_XPRESS_ERRORS]++;
      return;
    }
    data = scratch;
    dlen = want;
  } else {
    if (offset > size) {
      counters[C_BAD_BUFFERS]++;
      return;
    }
    data = b + BUFFER_HEADER;
    dlen = offset - BUFFER_HEADER;
  }
  walkRecords(data, dlen, cpu);
}

/** Fixed header bytes of a header type; 0 for a type the walker does not know. */
@inline function headerSize(t: u32): u32 {
  if (t <= 2) return t == 0 ? 0 : 0x20; // SYSTEM32/64
  if (t <= 4) return 0x18; // COMPACT32/64
  if (t == 0x10 || t == 0x11) return 0x10; // PERFINFO32/64
  if (t == 0x0a || t == 0x14) return 0x30; // FULL_HEADER32/64
  if (t == 0x0b || t == 0x15) return 0x48; // INSTANCE32/64
  if (t == 0x12 || t == 0x13) return 0x50; // EVENT_HEADER32/64
  return 0;
}

@inline function sizedAt4(t: u32): bool {
  return t <= 4 || t == 0x10 || t == 0x11;
}

function walkRecords(data: usize, dlen: u32, cpu: u32): void {
  let p: u32 = 0;
  while (dlen - p >= 4) {
    const r = data + <usize>p;
    const marker = load<u32>(r);
    if (marker == 0xffffffff) break; // padding
    const mflags = marker >>> 24;
    const t = (marker >>> 16) & 0xff;
    if ((mflags & 0x80) == 0) {
      counters[C_BAD_RECORDS]++;
      return;
    }
    let size: u32;
    if ((mflags & 0x40) == 0) {
      // MESSAGE_TRACE_HEADER (WPP): counted, not decoded
      size = marker & 0xffff;
      if (size < 8 || size > dlen - p) {
        counters[C_BAD_RECORDS]++;
        return;
      }
      counters[C_MESSAGES]++;
      p += (size + 7) & ~7;
      continue;
    }
    if (sizedAt4(t)) {
      if (dlen - p < 8) {
        counters[C_BAD_RECORDS]++;
        return;
      }
      size = <u32>load<u16>(r, 4);
    } else size = marker & 0xffff;
    if (size < 8 || size > dlen - p) {
      counters[C_BAD_RECORDS]++;
      return;
    }
    const hs = headerSize(t);
    if (hs == 0) {
      counters[C_UNKNOWN_HEADERS]++;
    } else if (size < hs) {
      counters[C_BAD_RECORDS]++;
      return;
    } else {
      counters[C_RECORDS]++;
      unchecked(headerTypes[t]++);
      record(r, size, t, marker, cpu);
    }
    p += (size + 7) & ~7;
  }
}

@inline function ptr32(t: u32): bool {
  return t == 0x01 || t == 0x03 || t == 0x0a || t == 0x0b || t == 0x10 || t == 0x12;
}

function lookupClass(lo: u64, hi: u64): u32 {
  for (let i = 0; i < classCount; i++) {
    if (unchecked(classLo[i]) == lo && unchecked(classHi[i]) == hi) return unchecked(classId[i]);
  }
  return UNKNOWN_CLASS;
}

/** FILETIME of a raw timestamp, by the logfile header's clock; 0 before a clock is known. */
function filetime(raw: i64): u64 {
  if (clockSystem) return <u64>raw;
  if (clockFreq == 0) {
    counters[C_NO_CLOCK]++;
    return 0;
  }
  const delta = raw - clockRaw0;
  const d: u64 = delta < 0 ? <u64>(-delta) : <u64>delta;
  const q = d / clockFreq;
  const rem = d % clockFreq;
  // rem < freq (at most ~2^42 for a cycle counter at 4 THz), so rem * 10^7 stays below 2^64
  const ft = q * 10_000_000 + (rem * 10_000_000) / clockFreq;
  return delta < 0 ? clockStart - ft : clockStart + ft;
}

function record(r: usize, size: u32, t: u32, marker: u32, cpu: u32): void {
  let ts: i64 = 0;
  let pid = NO_ID;
  let tid = NO_ID;
  let hook: u32 = 0;
  let opcode: u32 = 0;
  let version: u32 = 0;
  let level: u32 = 0;
  let eventId: u32 = 0;
  let cls: u32 = UNKNOWN_CLASS;
  let lo: u64 = 0;
  let hi: u64 = 0;
  let flags: u32 = ptr32(t) ? FLAG_PTR32 : 0;
  let payload: u32;
  if (t <= 4 || t == 0x10 || t == 0x11) {
    // SYSTEM, COMPACT, PERFINFO: a classic kernel event keyed by its HookId
    const v = marker & 0xffff;
    hook = <u32>load<u16>(r, 6);
    if (t <= 4) {
      tid = load<u32>(r, 8);
      pid = load<u32>(r, 12);
      ts = load<i64>(r, 16);
      payload = t <= 2 ? 0x20 : 0x18;
    } else {
      ts = load<i64>(r, 8);
      payload = 0x10;
      flags |= FLAG_NO_PID;
    }
    // extension items between the header and the payload: PEBS (+8), PMC counters (+8 each)
    payload += ((v & 0x8000) != 0 ? 8 : 0) + ((v >> 8) & 7) * 8;
    version = v & 0xff;
    flags |= FLAG_CLASSIC;
    unchecked(hooks[hook]++);
    if (hook == 0x030a) {
      cls = 0x14; // image load, written in the Process group: the Image class's opcode 10
      opcode = 10;
    } else {
      cls = hook >> 8;
      opcode = hook & 0xff;
    }
    lo = unchecked(groupLo[cls]);
    hi = unchecked(groupHi[cls]);
    if (hook == 0 && t <= 2 && payload <= size && header[H_SEEN] == 0) logfileHeader(r + payload, size - payload, t == 1, ts);
  } else {
    tid = load<u32>(r, 8);
    pid = load<u32>(r, 12);
    ts = load<i64>(r, 16);
    lo = load<u64>(r, 0x18);
    hi = load<u64>(r, 0x20);
    if (t == 0x12 || t == 0x13) {
      // EVENT_HEADER: EVENT_DESCRIPTOR at 0x28, extended items after 0x50
      const ef = <u32>load<u16>(r, 4);
      eventId = <u32>load<u16>(r, 0x28);
      version = <u32>load<u8>(r, 0x2a);
      level = <u32>load<u8>(r, 0x2c);
      opcode = <u32>load<u8>(r, 0x2d);
      payload = 0x50;
      if ((ef & 0x1) != 0) {
        flags |= FLAG_EXTENDED;
        while (true) {
          if (size - payload < 8) {
            counters[C_BAD_RECORDS]++;
            return;
          }
          const itemSize = <u32>load<u16>(r + <usize>payload);
          const linkage = <u32>load<u16>(r + <usize>payload, 4);
          if (itemSize < 8 || itemSize > size - payload) {
            counters[C_BAD_RECORDS]++;
            return;
          }
          payload += itemSize;
          if ((linkage & 1) == 0) break;
        }
      }
      if ((ef & 0x100) != 0) flags |= FLAG_CLASSIC;
      cls = lookupClass(lo, hi);
      if ((flags & FLAG_CLASSIC) != 0 && cls < 0x100) {
        hook = (cls << 8) | opcode;
        eventId = 0;
      }
    } else {
      // FULL / INSTANCE: EVENT_TRACE_HEADER with the class GUID
      opcode = <u32>load<u8>(r, 4);
      level = <u32>load<u8>(r, 5);
      version = <u32>load<u16>(r, 6) & 0xff;
      payload = t == 0x0a || t == 0x14 ? 0x30 : 0x48;
      flags |= FLAG_CLASSIC;
      cls = lookupClass(lo, hi);
      if (cls < 0x100) hook = (cls << 8) | opcode;
    }
  }
  if (payload > size) {
    counters[C_BAD_RECORDS]++;
    return;
  }
  if (((cls == 0x03 || cls == 0x05 || cls == 0x14) && (opcode == 3 || opcode == 4)) || (cls == 0x04 && opcode == 36)) flags |= FLAG_RUNDOWN;
  const udl = size - payload;
  const flen = HEADER + udl;
  const step = (8 + flen + 7) & ~7;
  const o = out + <usize>outUsed;
  store<u64>(o + <usize>step - 8, 0); // the padding
  store<u32>(o, flen);
  store<u16>(o, <u16>SOURCE, 4);
  store<u16>(o, <u16>(flags & FLAG_PTR32), 6);
  const h = o + 8;
  store<u64>(h, filetime(ts), 0);
  store<i64>(h, ts, 8);
  store<u64>(h, lo, 16);
  store<u64>(h, hi, 24);
  store<u32>(h, pid, 32);
  store<u32>(h, tid, 36);
  store<u16>(h, <u16>cls, 40);
  store<u16>(h, <u16>eventId, 42);
  store<u16>(h, <u16>hook, 44);
  store<u8>(h, <u8>opcode, 46);
  store<u8>(h, <u8>version, 47);
  store<u8>(h, <u8>level, 48);
  store<u8>(h, <u8>t, 49);
  store<u16>(h, <u16>cpu, 50);
  store<u16>(h, <u16>flags, 52);
  store<u16>(h, <u16>udl, 54);
  memory.copy(h + HEADER, r + <usize>payload, <usize>udl);
  outUsed += step;
  frames++;
}

/** TRACE_LOGFILE_HEADER (0x110 bytes from a 32-bit writer, 0x118 from a 64-bit one), then the logger
 *  and log file names: the clock and what `header()` reports. */
function logfileHeader(p: usize, len: u32, is32: bool, raw: i64): void {
  const need: u32 = is32 ? 0x110 : 0x118;
  if (len < need) return;
  const tail: usize = is32 ? 0xf0 : 0xf8; // BootTime, after the two name pointers and TIME_ZONE_INFORMATION
  header[H_SEEN] = 1;
  header[H_BUFFER_SIZE] = <u64>load<u32>(p, 0);
  header[H_VERSION] = <u64>load<u32>(p, 4);
  header[H_BUILD] = <u64>load<u32>(p, 8);
  header[H_CPUS] = <u64>load<u32>(p, 12);
  header[H_END_TIME] = load<u64>(p, 16);
  header[H_LOG_FILE_MODE] = <u64>load<u32>(p, 0x20);
  header[H_BUFFERS_WRITTEN] = <u64>load<u32>(p, 0x24);
  header[H_POINTER_SIZE] = <u64>load<u32>(p, 0x2c);
  header[H_EVENTS_LOST] = <u64>load<u32>(p, 0x30);
  header[H_CPU_MHZ] = <u64>load<u32>(p, 0x34);
  header[H_BOOT_TIME] = load<u64>(p + tail);
  header[H_PERF_FREQ] = load<u64>(p + tail, 8);
  header[H_START_TIME] = load<u64>(p + tail, 16);
  header[H_CLOCK_TYPE] = <u64>load<u32>(p + tail, 24);
  header[H_BUFFERS_LOST] = <u64>load<u32>(p + tail, 28);
  header[H_RAW_START] = <u64>raw;
  const n = min(len - need, NAMES_MAX);
  memory.copy(names, p + <usize>need, <usize>n);
  header[H_NAMES_LENGTH] = <u64>n;
  const clock = header[H_CLOCK_TYPE];
  clockStart = header[H_START_TIME];
  clockRaw0 = raw;
  if (clock == 2) clockSystem = true;
  else if (clock == 3) clockFreq = header[H_CPU_MHZ] * 1_000_000;
  else clockFreq = header[H_PERF_FREQ];
}
