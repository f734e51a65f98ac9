// Round trip for layouts with variable fields (UTF-8/UTF-16 strings, byte runs, SIDs), pointer widths
// and tagged unions: random layouts, random records (both pointer widths and every variant in one
// batch, unknown tags between them) written by the reference encoder (test/reference/layout-var.ts)
// decode through the runtime-compiled WASM decoder to the same rows; truncated frames are always
// skipped (a decoder reading past its frame would find the zero padding and accept them); random and
// mutated bytes give rows or skip counts, never a crash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError, defineDecoder, FrameDecoder, type Layout, type LayoutDecoder } from 'kwire';
import { fuzzTruncatedAndMutated } from './helpers/decoder-fuzz.js';
import { concat, frame } from './reference/frames.js';
import { arbitraryVarLayout, arbitraryVarRecord, unknownTagRecord, type VarRecord } from './reference/layout-var.js';

const LAYOUTS = 10;
const cacheDir = mkdtempSync(join(tmpdir(), 'kwire-cache-'));
const layouts: Layout[] = fc.sample(arbitraryVarLayout, { numRuns: LAYOUTS, seed: 20261124 });
let decoders: LayoutDecoder<Record<string, unknown>>[] = [];

beforeAll(async () => {
  decoders = await Promise.all(layouts.map((l) => defineDecoder(l, { cacheDir })));
}, 300_000);
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const toFrame = (k: number) => (r: VarRecord) => frame(decoders[k]!.sourceId, r.bytes, r.width === 4 ? layouts[k]!.pointer!.flag : 0);

describe('generated decoders with variable fields, pointer widths and unions, round trip', () => {
  it('cover every variable field kind, ptr fields and arrays, unions with composite tags, packed layouts', () => {
    const vars = layouts.flatMap((l) => [...(l.vars ?? []), ...(l.union?.variants.flatMap((v) => v.vars) ?? [])]);
    const kinds = new Set(vars.map((x) => `${x.kind}${x.encoding ? `:${x.encoding}` : ''}:${typeof x.length === 'object' ? 'field' : x.length}${x.unit === 2 ? ':units' : ''}`));
    for (const k of ['string:utf8:nul', 'string:utf16le:nul', 'string:utf8:field', 'string:utf16le:field:units', 'bytes:field', 'sid:sid']) expect(kinds).toContain(k);
    expect([...kinds].some((k) => /^string:utf16le:u(8|16|32):units$/.test(k))).toBe(true);
    expect([...kinds].some((k) => /^bytes:u(8|16|32)$/.test(k))).toBe(true);
    const fields = layouts.flatMap((l) => [...l.fields, ...(l.union?.variants.flatMap((v) => v.fields) ?? [])]);
    expect(fields.some((f) => f.kind === 'ptr' && !f.dims)).toBe(true);
    expect(fields.some((f) => f.kind === 'ptr' && f.dims)).toBe(true);
    expect(layouts.some((l) => l.union && l.union.on.length === 2)).toBe(true);
    expect(layouts.some((l) => l.union && l.union.on.length === 1)).toBe(true);
    expect(layouts.some((l) => !l.union && l.vars)).toBe(true);
    expect(layouts.some((l) => l.packed)).toBe(true);
    expect(layouts.some((l) => l.pointer)).toBe(true);
  });

  for (let k = 0; k < LAYOUTS; k++) {
    it(`random layout #${k}: decodes what the reference encoder wrote (both widths, every variant, unknown tags skipped)`, () => {
      const layout = layouts[k]!;
      const decoder = new FrameDecoder(decoders[k]!, 16);
      const unknown = fc.constantFrom<(8 | 4)>(8, ...(layout.pointer ? [4 as const] : []));
      fc.assert(
        fc.property(fc.array(fc.tuple(arbitraryVarRecord(layout), fc.option(unknown, { freq: 4 })), { minLength: 1, maxLength: 40 }), (items) => {
          const frames: Uint8Array[] = [];
          let badTags = 0;
          for (const [r, bad] of items) {
            frames.push(toFrame(k)(r));
            if (bad !== null && layout.union) {
              frames.push(frame(decoders[k]!.sourceId, unknownTagRecord(layout, bad), bad === 4 ? layout.pointer!.flag : 0));
              badTags++;
            }
          }
          const { batches, skipped } = decoder.decode(concat(frames));
          expect(skipped).toEqual(badTags ? { badValue: badTags } : {});
          expect(batches.flatMap((b) => [...b])).toEqual(items.map(([r]) => r.expected));
        }),
        { numRuns: 40 },
      );
    });

    it(`random layout #${k}: a record in every variant and in both widths, in one batch`, () => {
      const layout = layouts[k]!;
      const decoder = new FrameDecoder(decoders[k]!, 4096);
      const records = fc.sample(arbitraryVarRecord(layout), { numRuns: 200, seed: k });
      if (layout.union) expect(new Set(records.map((r) => r.expected.variant)).size).toBe(layout.union.variants.length);
      if (layout.pointer) expect(new Set(records.map((r) => r.width))).toEqual(new Set([8, 4]));
      const { batches, skipped } = decoder.decode(concat(records.map(toFrame(k))));
      expect(skipped).toEqual({});
      expect(batches).toHaveLength(1);
      expect([...batches[0]!]).toEqual(records.map((r) => r.expected));
    });

    it(`random layout #${k}: truncated frames are skipped, mutated payloads give rows or skips, random bytes never crash`, () => {
      const layout = layouts[k]!;
      const decoder = new FrameDecoder(decoders[k]!, 16);
      const id = decoders[k]!.sourceId;
      fc.assert(
        fc.property(arbitraryVarRecord(layout), arbitraryVarRecord(layout), arbitraryVarRecord(layout), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (a, b, c, cut, flips) => {
          // a cut inside the record proper (not only its ignored trailing bytes)
          const proper = a.bytes.length - a.trailing;
          const truncated = toFrame(k)({ ...a, bytes: a.bytes.subarray(0, cut % Math.max(proper, 1)) });
          const mutated = Uint8Array.from(b.bytes);
          for (const [at, x] of flips) if (mutated.length) mutated[at % mutated.length]! ^= x;
          const { batches, skipped } = decoder.decode(concat([toFrame(k)(a), truncated, toFrame(k)({ ...b, bytes: mutated }), toFrame(k)(c)]));
          const rows = batches.flatMap((x) => [...x]);
          const skips = Object.values(skipped).reduce((n, s) => n + (s ?? 0), 0);
          expect(rows.length + skips).toBe(4);
          expect(skips).toBeGreaterThanOrEqual(1);
          expect(rows[0]).toEqual(a.expected);
          expect(rows.at(-1)).toEqual(c.expected);
          expect(Object.keys(skipped).every((s) => ['truncated', 'badLength', 'badValue'].includes(s))).toBe(true);
        }),
        { numRuns: 150 },
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (junk, framed) => {
          try {
            decoder.decode(framed ? frame(id, junk, junk[0] ?? 0) : junk);
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('hold the shared fuzz property (truncated and mutated frame bytes, headers too)', () => {
    for (let k = 0; k < 3; k++) fuzzTruncatedAndMutated(new FrameDecoder(decoders[k]!, 8), arbitraryVarRecord(layouts[k]!), toFrame(k));
  });
});

