// Round trip: for random layouts and random values, bytes written by the TypeScript reference
// encoder decode to the same values through the generated, runtime-compiled WASM decoder; random,
// truncated and mutated bytes give skip counts, never a crash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDecoder, FrameDecoder, type Layout, type LayoutDecoder } from 'kwire';
import { concat, frame } from './reference/frames.js';
import { arbitraryLayout, arbitraryRow, encodeLayout } from './reference/layout.js';

const LAYOUTS = 8;
const cacheDir = mkdtempSync(join(tmpdir(), 'kwire-cache-'));
const layouts: Layout[] = fc.sample(arbitraryLayout, { numRuns: LAYOUTS, seed: 20261123 });
let decoders: LayoutDecoder<Record<string, unknown>>[] = [];

beforeAll(async () => {
  decoders = await Promise.all(layouts.map((l) => defineDecoder(l, { cacheDir })));
}, 120_000);
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('generated decoders, round trip', () => {
  it('cover scalars, big-endian, byte arrays, C strings, IPs, nested arrays and tails', () => {
    const kinds = new Set(layouts.flatMap((l) => l.fields.map((f) => (f.kind === 'int' && f.scalar!.endsWith('be') ? 'be' : f.kind))));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['array', 'be', 'bytes', 'cstring', 'int']));
    expect(layouts.some((l) => l.tail)).toBe(true);
  });

  for (let k = 0; k < LAYOUTS; k++) {
    it(`random layout #${k}: decodes what the reference encoder wrote`, () => {
      const layout = layouts[k]!;
      const decoder = new FrameDecoder(decoders[k]!, 16);
      fc.assert(
        fc.property(fc.array(arbitraryRow(layout), { minLength: 1, maxLength: 40 }), (rows) => {
          const { batches, skipped } = decoder.decode(concat(rows.map(([raw]) => frame(decoders[k]!.sourceId, encodeLayout(layout, raw)))));
          expect(skipped).toEqual({});
          expect(batches.flatMap((b) => [...b])).toEqual(rows.map(([, expected]) => expected));
        }),
        { numRuns: 25 },
      );
    });

    it(`random layout #${k}: random, truncated and mutated frames are skipped, never a crash`, () => {
      const layout = layouts[k]!;
      const decoder = new FrameDecoder(decoders[k]!, 16);
      const id = decoders[k]!.sourceId;
      fc.assert(
        fc.property(arbitraryRow(layout), fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 3 }), ([raw], junk, cut, source) => {
          const good = encodeLayout(layout, raw);
          const truncated = good.subarray(0, cut % good.length);
          const frames = concat([frame(id, junk), frame(id, truncated), frame(id + source, good), frame(id, good)]);
          const { batches, skipped } = decoder.decode(frames);
          const decoded = batches.reduce((n, b) => n + b.length, 0);
          const skips = Object.values(skipped).reduce((n, c) => n + (c ?? 0), 0);
          expect(decoded + skips).toBe(4);
          expect(skipped.unknownSource).toBe(1);
          expect(decoded).toBeGreaterThanOrEqual(1);
        }),
        { numRuns: 50 },
      );
    });
  }
});
