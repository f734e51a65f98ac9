// Frame cursor over the shared ring (native/src/ring/shared_ring_layout.h) or over a linear buffer of
// frames (captures, benchmarks). Single consumer. Decoders use it as:
//   cursorRing(ring) | cursorLinear(buf, len);  while (cursorNext()) { ...; cursorAdvance(); }  cursorEnd();
// cursorNext() never advances, so a decoder whose output is full leaves the frame for the next batch.
import { STATUS_OK, STATUS_RING_CORRUPT } from "./status";

export const RING_PRODUCER_POS: usize = 0;
export const RING_CONSUMER_POS: usize = 64;
export const RING_CAPACITY: usize = 128;
export const RING_MAGIC: usize = 132;
export const RING_HEADER_SIZE: usize = 256;
export const RING_MAGIC_VALUE: u32 = 0x3152574b;
export const FRAME_HEADER_SIZE: u32 = 8;
export const FRAME_WRAP: u16 = 0x8000;

let ringBase: usize = 0; // 0 when walking a linear buffer
let data: usize = 0;
let mask: u32 = 0;
let capacity: u32 = 0;
let pos: u32 = 0;   // consumer position (ring) or offset (linear)
let limit: u32 = 0; // producer position (ring) or length (linear)
let status: i32 = STATUS_OK;

/** Payload address, length and source of the current frame, valid after cursorNext() returned true. */
export let framePtr: usize = 0;
export let frameLen: u32 = 0;
export let frameSource: u16 = 0;
let frameSize: u32 = 0;

/** Starts a walk of the shared ring at `ring`. Returns false (status RING_CORRUPT) on a bad header. */
export function cursorRing(ring: usize): bool {
  ringBase = ring;
  data = ring + RING_HEADER_SIZE;
  capacity = load<u32>(ring + RING_CAPACITY);
  status = STATUS_OK;
  if (load<u32>(ring + RING_MAGIC) != RING_MAGIC_VALUE || capacity < 4096 || (capacity & (capacity - 1)) != 0) {
    status = STATUS_RING_CORRUPT;
    limit = pos = 0;
    return false;
  }
  mask = capacity - 1;
  // Acquire: frames up to the producer position are fully written (pairs with the addon's release store).
  limit = atomic.load<u32>(ring + RING_PRODUCER_POS);
  pos = atomic.load<u32>(ring + RING_CONSUMER_POS);
  // Both positions move by whole 8-byte frames; the consumer can never be ahead of the producer.
  if (((pos | limit) & 7) != 0 || limit - pos > capacity) {
    status = STATUS_RING_CORRUPT;
    limit = pos;
    return false;
  }
  return true;
}

/** Starts a walk of `len` bytes of frames at `buf` (no wrap markers expected, 8-byte padding). */
export function cursorLinear(buf: usize, len: u32): void {
  ringBase = 0;
  data = buf;
  pos = 0;
  limit = len;
  status = STATUS_OK;
}

/** Moves to the next frame without consuming it. False at the end or on a corrupt frame header. */
export function cursorNext(): bool {
  while (pos != limit) {
    let offset: u32, room: u32;
    if (ringBase != 0) {
      offset = pos & mask;
      room = capacity - offset;
      if (limit - pos < FRAME_HEADER_SIZE) return corrupt();
    } else {
      offset = pos;
      room = limit - pos;
      if (room < FRAME_HEADER_SIZE) return corrupt();
    }
    const header = data + <usize>offset;
    const len = load<u32>(header);
    const flags = load<u16>(header, 6);
    if (ringBase != 0 && (flags & FRAME_WRAP) != 0) {
      if (room > limit - pos) return corrupt(); // a marker past what was published
      pos += room; // to the start of the data area
      continue;
    }
    if (len > room - FRAME_HEADER_SIZE) return corrupt();
    frameSize = (FRAME_HEADER_SIZE + len + 7) & ~7;
    if (frameSize > room) frameSize = room; // last frame of a linear buffer may be unpadded
    if (ringBase != 0 && frameSize > limit - pos) return corrupt(); // past what was published
    framePtr = header + FRAME_HEADER_SIZE;
    frameLen = len;
    frameSource = load<u16>(header, 4);
    return true;
  }
  return false;
}

@inline function corrupt(): bool {
  status = STATUS_RING_CORRUPT;
  return false;
}

/** Address of the frame header at the cursor (generated decoders walk runs of frames from here). */
export function cursorHere(): usize {
  return data + <usize>(ringBase != 0 ? pos & mask : pos);
}

/** Bytes published and contiguous from the cursor: to the producer position, the end of the linear
 *  buffer, or the end of the ring's data area, whichever comes first. Frames never straddle the end
 *  of the data area (the producer writes a wrap marker instead). */
export function cursorRoom(): u32 {
  if (ringBase == 0) return limit - pos;
  const room = capacity - (pos & mask);
  const left = limit - pos;
  return left < room ? left : room;
}

/** Consumes `bytes` of whole frames a decoder walked itself (from cursorHere, within cursorRoom). */
export function cursorSkip(bytes: u32): void {
  pos += bytes;
}

/** Consumes the current frame. */
export function cursorAdvance(): void {
  pos += frameSize;
}

/** Publishes the consumer position (ring) once per batch. Returns the walk's status. */
export function cursorEnd(): i32 {
  // Release: the producer may reuse the bytes behind this position only after our reads of them.
  if (ringBase != 0) atomic.store<u32>(ringBase + RING_CONSUMER_POS, pos);
  return status;
}

/** Bytes consumed so far in a linear walk (where a capture chunk stopped). */
export function cursorOffset(): u32 {
  return pos;
}
