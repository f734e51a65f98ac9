// The layout description's checks, address text, and the BTF reader on bad input (typed errors only).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { array, cstring, defineLayout, isKwireError, layoutFromBtf, LayoutBatch, type LayoutSpec } from 'kwire';
import { repoPath } from './helpers/repo.js';
import { rejects } from './helpers/layout-checks.js';


describe('defineLayout', () => {
  it('computes C offsets, alignment and size', () => {
    const l = defineLayout({ name: 'x', fields: [{ name: 'a', type: 'u8' }, { name: 'b', type: 'u32be' }, { name: 'c', type: array('u16', 2, 3) }, { name: 'd', type: 'u64' }, { name: 'e', type: cstring(3) }] });
    expect(l.fields.map((f) => [f.name, f.offset, f.size])).toEqual([['a', 0, 1], ['b', 4, 4], ['c', 8, 12], ['d', 24, 8], ['e', 32, 3]]);
    expect([l.size, l.align, l.struct]).toEqual([40, 8, 'x_event']);
  });

  it.each([
    [{ name: 'x', fields: [{ name: 'a', type: 'u32' }, { name: 'b', type: 'u8', offset: 2 }] }, 'overlaps a'],
    [{ name: 'x', fields: [{ name: 'a', type: 'u32', offset: 2 }] }, 'not a multiple of its alignment'],
    [{ name: 'x', size: 2, fields: [{ name: 'a', type: 'u32' }] }, 'smaller than'],
    [{ name: 'x', size: 6, fields: [{ name: 'a', type: 'u32' }] }, 'not a multiple of the alignment'],
    [{ name: 'x', fields: [{ name: 'a', type: 'u8' }, { name: 'a', type: 'u8' }] }, 'declared twice'],
    [{ name: 'x', fields: [{ name: 'a', type: 'u24' as never }] }, 'unknown type'],
    [{ name: 'x', fields: [{ name: 'a', type: 'u8be' as never }] }, 'unknown type'],
    [{ name: 'x', fields: [{ name: 'a', type: 'i32' }], tail: { name: 't', sizeField: 'a' } }, 'unsigned little-endian'],
    [{ name: 'x', fields: [] }, 'no fields'],
  ] as [LayoutSpec, string][])('rejects %j', (spec, message) => {
    expect(rejects(spec)).toContain(message);
  });
});

describe('address text', () => {
  const row = (kind: 'ip4' | 'ip6' | 'ip', bytes: number[]) => {
    const layout = defineLayout({ name: 'a', fields: [{ name: 'x', type: kind }] });
    return new LayoutBatch(layout, 1, { x: Uint8Array.from(bytes) }).get(0).x;
  };
  it.each([
    ['ip4', [10, 0, 0, 1], '10.0.0.1'],
    ['ip', [192, 168, 1, 2, ...new Array(12).fill(0)], '192.168.1.2'],
    ['ip6', [...new Array(15).fill(0), 1], '::1'],
    ['ip6', new Array(16).fill(0), '::'],
    ['ip6', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], '2001:db8::1:0:0:1'],
    ['ip6', [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6], '2001:db8:1:2:3:4:5:6'],
  ] as const)('%s %j is %s', (kind, bytes, text) => {
    expect(row(kind, [...bytes])).toBe(text);
  });
});

describe('BTF reader', () => {
  const elf = readFileSync(repoPath('bpf/.output/exec.bpf.o'));

  it('gives a typed error for a missing struct or a file without BTF', () => {
    expect(() => layoutFromBtf(elf, 'no_such_struct')).toThrow(/no struct no_such_struct/);
    expect(() => layoutFromBtf(new Uint8Array(100), 'exec_event')).toThrow(/not an ELF/);
  });

  it('never crashes on truncated or mutated objects: a layout or a typed error', () => {
    fc.assert(
      fc.property(fc.nat({ max: elf.length }), fc.array(fc.tuple(fc.nat({ max: elf.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (cut, flips) => {
        const bytes = Uint8Array.from(elf.subarray(0, cut === 0 ? elf.length : cut));
        for (const [at, b] of flips) if (at < bytes.length) bytes[at] = b;
        try {
          layoutFromBtf(bytes, 'exec_event');
        } catch (error) {
          if (!isKwireError(error)) throw error;
        }
      }),
      { numRuns: 200 },
    );
  });
});
