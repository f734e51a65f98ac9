// Raw frames copier: whole frames (header + payload, 8-byte padded) from the cursor into an output
// region, unchanged, for captures. A "batch" is a chunk of frames of one source: a chunk ends when
// the output is full, after `cap` frames, or when the next frame's source differs.
import { STATUS_OK, STATUS_BAD_LENGTH, STATUS_COUNT } from "./status";
import { cursorNext, cursorAdvance, cursorEnd, framePtr, frameLen, frameSource, FRAME_HEADER_SIZE } from "./ring";
import { alloc } from "./heap";

let cap: u32 = 0;
let outCap: u32 = 0;
let out: usize = 0;
let used: u32 = 0;
let lastStatus: i32 = STATUS_OK;
const errors = new StaticArray<u32>(STATUS_COUNT);

/** Allocates an output region of `bytes` for chunks of up to `capacity` frames. */
export function rawInit(capacity: u32, bytes: u32): void {
  cap = capacity;
  outCap = bytes;
  out = alloc(<usize>bytes);
}

/** Address of the output region. */
export function rawOutput(): usize {
  return out;
}

/** Bytes of frames in the last chunk. */
export function rawUsed(): u32 {
  return used;
}

export function rawErrors(code: i32): u32 {
  return code >= 0 && code < STATUS_COUNT ? unchecked(errors[code]) : 0;
}

export function rawStatus(): i32 {
  return lastStatus;
}

/** Copies frames from the started cursor; returns how many. */
export function rawDecode(): u32 {
  let n: u32 = 0;
  let source: u16 = 0;
  used = 0;
  while (n < cap && cursorNext()) {
    const size = (FRAME_HEADER_SIZE + frameLen + 7) & ~7;
    if (size > outCap) {
      // Could never fit a chunk (the addon drops frames larger than half the shared ring anyway).
      unchecked(errors[STATUS_BAD_LENGTH]++);
      cursorAdvance();
      continue;
    }
    if (n > 0 && frameSource != source) break;
    if (used + size > outCap) break;
    source = frameSource;
    const header = framePtr - FRAME_HEADER_SIZE;
    const dst = out + <usize>used;
    store<u32>(dst, frameLen);
    store<u16>(dst, frameSource, 4);
    store<u16>(dst, load<u16>(header, 6), 6);
    memory.copy(dst + FRAME_HEADER_SIZE, framePtr, frameLen);
    memory.fill(dst + FRAME_HEADER_SIZE + frameLen, 0, size - FRAME_HEADER_SIZE - frameLen); // no stale bytes
    used += size;
    n++;
    cursorAdvance();
  }
  lastStatus = cursorEnd();
  return n;
}
