// The two fuzz properties every record decoder must hold, on any FrameDecoder: random bytes, and
// truncated then mutated valid frames, give records, skip counts or a DecodeError — never a crash.
import fc from 'fast-check';
import { expect } from 'vitest';
import { DecodeError, type Batch, type FrameDecoder } from 'kwire';
import { concat } from '../reference/frames.js';

export function fuzzRandomBytes<E extends { type: string }>(d: FrameDecoder<Batch<E>>, type: string): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      try {
        const { batches } = d.decode(bytes);
        for (const b of batches) for (const e of b) expect(e.type).toBe(type);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
      }
    }),
    { numRuns: 2000 },
  );
}

/** `toFrame` frames one record as the addon would. At most one more record than was written may be
 *  counted (a mutation can split a frame's bytes into two). */
export function fuzzTruncatedAndMutated<R, E>(d: FrameDecoder<Batch<E>>, arbRecord: fc.Arbitrary<R>, toFrame: (r: R) => Uint8Array): void {
  fc.assert(
    fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 5 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (records, cut, at, xor) => {
      const bytes = concat(records.map(toFrame));
      const mutated = bytes.slice(0, (cut % bytes.length) + 1);
      mutated[at % mutated.length]! ^= xor;
      try {
        const { batches, skipped } = d.decode(mutated);
        const n = batches.reduce((s, b) => s + b.length, 0) + Object.values(skipped).reduce((s, v) => s + v!, 0);
        expect(n).toBeLessThanOrEqual(records.length + 1);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
      }
    }),
    { numRuns: 2000 },
  );
}
