// A shared ring's producer side in TypeScript, for producers that make their frames on the JS thread
// (the .etl walker, kinds/etw-etl.ts) instead of an addon thread: whole frames copied in, wrap markers
// where a frame would straddle the end, the producer position published (release) once per call.
// native/src/ring/shared_ring_layout.h is the contract; the addon's writeFrames is the native twin.
import { RingLayout } from '../pipeline/shared-ring.js';

export interface FrameWriter {
  /** Copies the whole frames of `frames` (8-byte padded, as a linear walk reads them) that fit; returns
   *  the bytes of `frames` written, and how many frames. Frames larger than half the ring are dropped
   *  and counted in the ring header's oversize counter. */
  write(frames: Uint8Array): { bytes: number; frames: number };
}

/**
 * The producer side of the shared ring `ring` (the whole region, header and data, as a producer gets it).
 *
 * @example
 * const w = frameWriter(ctx.ring); const { bytes } = w.write(frames); ctx.onData();
 */
export function frameWriter(ring: Uint8Array): FrameWriter {
  const header = new DataView(ring.buffer, ring.byteOffset, RingLayout.headerSize);
  const words = new Int32Array(ring.buffer, ring.byteOffset, RingLayout.headerSize / 4);
  const capacity = header.getUint32(RingLayout.capacity, true);
  const data = new Uint8Array(ring.buffer, ring.byteOffset + RingLayout.headerSize, capacity);
  const view = new DataView(data.buffer, data.byteOffset, capacity);
  const bump = (offset: number, by: number) => header.setBigUint64(offset, header.getBigUint64(offset, true) + BigInt(by), true);
  return {
    write(frames) {
      const src = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
      let pos = Atomics.load(words, RingLayout.producerPos / 4) >>> 0;
      const consumer = Atomics.load(words, RingLayout.consumerPos / 4) >>> 0;
      let free = capacity - ((pos - consumer) >>> 0);
      let at = 0;
      let n = 0;
      let payload = 0;
      let oversize = 0;
      let run = 0; // start of the frames not copied yet (one copy per run up to a wrap)
      const flush = () => {
        if (at > run) data.set(frames.subarray(run, at), (pos - (at - run)) & (capacity - 1));
        run = at;
      };
      while (frames.length - at >= 8) {
        const len = src.getUint32(at, true);
        const size = (8 + len + 7) & ~7;
        if (size > frames.length - at) break; // not a whole frame
        if (size > capacity / 2) {
          flush();
          oversize++;
          at += size;
          run = at;
          continue;
        }
        const index = pos & (capacity - 1);
        if (index === 0) flush(); // a run never crosses the end of the data area
        const room = capacity - index;
        const need = size > room ? room + size : size;
        if (need > free) break;
        if (size > room) {
          flush();
          view.setUint32(index, 0, true);
          view.setUint16(index + 4, 0, true);
          view.setUint16(index + 6, RingLayout.frameWrap, true);
          pos = (pos + room) >>> 0;
          free -= room;
        }
        pos = (pos + size) >>> 0;
        free -= size;
        at += size;
        payload += len;
        n++;
      }
      flush();
      if (n > 0) {
        bump(RingLayout.frames, n);
        bump(RingLayout.bytes, payload);
        Atomics.store(words, RingLayout.producerPos / 4, pos | 0);
      }
      if (oversize > 0) bump(RingLayout.oversize, oversize);
      return { bytes: at, frames: n };
    },
  };
}
