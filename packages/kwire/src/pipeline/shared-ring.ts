// The shared ring's header (native/src/ring/shared_ring_layout.h) seen from TypeScript: allocation inside
// the decoders' memory, initialisation, and the producer's counters.
import type { DecoderInstance } from './decoders.js';
import { KwireError } from '../errors.js';

export const RingLayout = {
  producerPos: 0,
  consumerPos: 64,
  capacity: 128,
  magic: 132,
  frames: 136,
  bytes: 144,
  fullWaits: 152,
  wakeups: 160,
  oversize: 168,
  kernelLost: 176,
  headerSize: 256,
  magicValue: 0x3152574b,
  frameHeaderSize: 8,
  frameWrap: 0x8000,
} as const;

export interface SharedRing {
  /** Byte offset of the ring header in the decoders' memory. */
  readonly base: number;
  readonly capacity: number;
  /** A view of the whole ring (header + data), as the addon wants it. */
  view(): Uint8Array;
  /** Bytes published and not yet consumed. */
  pending(): number;
  counter(offset: number): number;
}

export function allocateSharedRing(decoders: DecoderInstance, capacity: number): SharedRing {
  if (!Number.isInteger(capacity) || capacity < 4096 || (capacity & (capacity - 1)) !== 0 || capacity > 2 ** 30) {
    throw new KwireError('EINVAL_ARGUMENT', `allocateSharedRing(): ring capacity must be a power of two between 4096 and 2^30, got ${capacity}`);
  }
  const base = decoders.exports.alloc(RingLayout.headerSize + capacity);
  // Fault the ring's pages in now, at subscribe: fresh WebAssembly memory is mapped lazily, and the
  // first lap's page faults (a 4 KiB page per 4 KiB of records, memcg-charged and zeroed on this VM)
  // would land on the reader thread while the kernel ring fills, as a slower drain and a latency tail.
  new Uint8Array(decoders.memory.buffer, base + RingLayout.headerSize, capacity).fill(0);
  const header = () => new DataView(decoders.memory.buffer, base, RingLayout.headerSize);
  const h = header();
  for (let i = 0; i < RingLayout.headerSize; i += 4) h.setUint32(i, 0, true);
  h.setUint32(RingLayout.capacity, capacity, true);
  h.setUint32(RingLayout.magic, RingLayout.magicValue, true);
  const words = () => new Int32Array(decoders.memory.buffer, base, RingLayout.headerSize / 4);
  return {
    base,
    capacity,
    view: () => new Uint8Array(decoders.memory.buffer, base, RingLayout.headerSize + capacity),
    pending: () => {
      const w = words();
      return (Atomics.load(w, RingLayout.producerPos / 4) - Atomics.load(w, RingLayout.consumerPos / 4)) >>> 0;
    },
    counter: (offset) => Number(header().getBigUint64(offset, true)),
  };
}
