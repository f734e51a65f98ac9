// A shared ring on a plain SharedArrayBuffer, consumed by a few lines of JS: for the plain-node helper
// scripts that drive the addon's readers without the decoders (fd-dgram-child.mjs, valgrind-fd.mjs).
// Layout: native/src/ring/shared_ring_layout.h (frame: u32 length | u16 source | u16 flags | payload,
// padded to 8; a 0x8000 flag wraps to the start).
const HEADER = 256;

export function jsRing(capacity) {
  const sab = new SharedArrayBuffer(HEADER + capacity);
  const header = new DataView(sab, 0, HEADER);
  header.setUint32(128, capacity, true);
  header.setUint32(132, 0x3152574b, true);
  const words = new Int32Array(sab, 0, HEADER / 4);
  const data = new Uint8Array(sab, HEADER);
  return {
    view: new Uint8Array(sab),
    /** Calls `each(payload)` for every published frame (a view, valid during the call), frees them. */
    drain(each) {
      const produced = Atomics.load(words, 0) >>> 0;
      let at = Atomics.load(words, 16) >>> 0;
      while (at !== produced) {
        const i = at & (capacity - 1);
        const frame = new DataView(sab, HEADER + i, 8);
        const len = frame.getUint32(0, true);
        if (frame.getUint16(6, true) & 0x8000) {
          at = (at + capacity - i) >>> 0;
          continue;
        }
        each(data.subarray(i + 8, i + 8 + len));
        at = (at + ((8 + len + 7) & ~7)) >>> 0;
      }
      Atomics.store(words, 16, at | 0);
    },
    counter: (offset) => Number(header.getBigUint64(offset, true)),
  };
}
