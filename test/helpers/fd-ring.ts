// A shared ring in a decoders instance, read back by the WASM raw-frames copier: how the fd-producer
// tests see what an FdReader published. The only place those tests import package internals from.
import { expect } from 'vitest';
import { rawDecoder } from 'kwire';
import { instantiateDecoders } from '../../packages/kwire/src/pipeline/decoders.js';
import { allocateSharedRing, RingLayout } from '../../packages/kwire/src/pipeline/shared-ring.js';

export type RingCounter = Exclude<keyof typeof RingLayout, 'magicValue' | 'frameHeaderSize' | 'frameWrap'>;

export function fdRing(capacity: number) {
  const d = instantiateDecoders();
  const raw = rawDecoder('exec');
  raw.init(d, 256);
  const ring = allocateSharedRing(d, capacity);
  /** Every payload published and not yet consumed, in order (frees their room). */
  const drain = (): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (;;) {
      d.exports.cursorRing(ring.base);
      const n = raw.decode(d);
      expect(raw.status(d)).toBe(0);
      if (n === 0) return out;
      for (const frame of raw.batch(d, n)) out.push(frame.payload.slice());
    }
  };
  return { view: ring.view(), drain, counter: (name: RingCounter) => ring.counter(RingLayout[name]), pending: () => ring.pending() };
}
