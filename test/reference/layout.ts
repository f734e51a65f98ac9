// A reference encoder for any layout, in plain TypeScript with DataView (tests only), and fast-check
// arbitraries for random layouts and for rows of a layout, with the values a decoder must give back.
import fc from 'fast-check';
import { defineLayout, type Field, type Layout, type LayoutSpec, type ScalarType } from 'kwire';

const utf8 = new TextEncoder();
export const size = (t: ScalarType) => Number(t.match(/\d+/)![0]) / 8;

export function writeScalar(v: DataView, at: number, t: ScalarType, value: number | bigint): void {
  const le = !t.endsWith('be');
  const signed = t.startsWith('i');
  switch (size(t)) {
    case 1:
      return signed ? v.setInt8(at, Number(value)) : v.setUint8(at, Number(value));
    case 2:
      return signed ? v.setInt16(at, Number(value), le) : v.setUint16(at, Number(value), le);
    case 4:
      return signed ? v.setInt32(at, Number(value), le) : v.setUint32(at, Number(value), le);
    default:
      return signed ? v.setBigInt64(at, BigInt(value), le) : v.setBigUint64(at, BigInt(value), le);
  }
}

/** Raw input per field: numbers/bigints, nested arrays, bytes for bytes/ip kinds, a string for cstring. */
export type RawRow = Record<string, unknown>;

export function encodeLayout(layout: Layout, row: RawRow): Uint8Array {
  const tail = layout.tail ? utf8.encode((row[layout.tail.name] as string[]).map((s) => s + '\0').join('')) : new Uint8Array(0);
  const out = new Uint8Array(layout.size + tail.length);
  const v = new DataView(out.buffer);
  for (const f of layout.fields) {
    const value = f.name === layout.tail?.sizeField ? tail.length : row[f.name];
    if (f.kind === 'int') writeScalar(v, f.offset, f.scalar!, value as number | bigint);
    else if (f.kind === 'array') {
      const flat = (value as unknown[]).flat(8) as (number | bigint)[];
      flat.forEach((x, k) => writeScalar(v, f.offset + k * size(f.scalar!), f.scalar!, x));
    } else if (f.kind === 'cstring') out.set(utf8.encode(value as string).subarray(0, f.size), f.offset);
    else out.set(value as Uint8Array, f.offset);
  }
  out.set(tail, layout.size);
  return out;
}

/** What the decoder must give for a field's raw value. IPv6 text comes from the WHATWG URL parser. */
export function expectedValue(f: Field, value: unknown): unknown {
  if (f.kind === 'ip4' || (f.kind === 'ip' && (value as Uint8Array).subarray(4).every((b) => b === 0))) return [...(value as Uint8Array).subarray(0, 4)].join('.');
  if (f.kind === 'ip6' || f.kind === 'ip') {
    const b = value as Uint8Array;
    const hex = Array.from({ length: 8 }, (_, g) => ((b[2 * g]! << 8) | b[2 * g + 1]!).toString(16)).join(':');
    return new URL(`http://[${hex}]/`).hostname.slice(1, -1);
  }
  return value;
}

const scalars: ScalarType[] = ['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'u16be', 'u32be', 'u64be', 'i16be', 'i32be', 'i64be'];

export function scalarValue(t: ScalarType): fc.Arbitrary<number | bigint> {
  const bits = size(t) * 8;
  const signed = t.startsWith('i');
  if (bits === 64) return signed ? fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n) : fc.bigInt(0n, 2n ** 64n - 1n);
  return signed ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 }) : fc.integer({ min: 0, max: 2 ** bits - 1 });
}

const fieldType = fc.oneof(
  fc.constantFrom(...scalars),
  fc.constantFrom('ip4' as const, 'ip6' as const, 'ip' as const),
  fc.record({ kind: fc.constant('bytes' as const), length: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant('cstring' as const), length: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant('array' as const), of: fc.constantFrom(...scalars), dims: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }) }),
);

/** Random layouts: 1..10 fields, natural or padded offsets, some with a string tail. */
export const arbitraryLayout: fc.Arbitrary<Layout> = fc
  .record({
    types: fc.array(fc.record({ type: fieldType, pad: fc.integer({ min: 0, max: 9 }) }), { minLength: 1, maxLength: 10 }),
    tail: fc.boolean(),
    extra: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ types, tail, extra }, ) => {
    const fields: LayoutSpec['fields'] = [];
    let end = 0;
    types.forEach(({ type, pad }, i) => {
      const probe = defineLayout({ name: 'probe', fields: [{ name: 'x', type }] });
      const align = probe.align;
      const offset = Math.ceil((end + (pad > 6 ? pad : 0)) / align) * align;
      fields.push({ name: `f${i}`, type, offset });
      end = offset + probe.size;
    });
    if (tail) fields.push({ name: 'tailSize', type: 'u32', offset: Math.ceil(end / 4) * 4 });
    const base = defineLayout({ name: 'probe', fields });
    return defineLayout({ name: 'rnd', fields, size: base.size + extra * base.align, ...(tail ? { tail: { name: 'strs', sizeField: 'tailSize' } } : {}) });
  });

function nested(t: ScalarType, dims: readonly number[]): fc.Arbitrary<unknown> {
  const [d, ...rest] = dims as [number, ...number[]];
  return fc.array(rest.length ? nested(t, rest) : scalarValue(t), { minLength: d, maxLength: d });
}

/** A random row of `layout`: [raw input, expected decoded row]. */
export function arbitraryRow(layout: Layout): fc.Arbitrary<[RawRow, RawRow]> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of layout.fields) {
    if (f.name === layout.tail?.sizeField) continue;
    if (f.kind === 'int') parts[f.name] = scalarValue(f.scalar!);
    else if (f.kind === 'array') parts[f.name] = nested(f.scalar!, f.dims!);
    else if (f.kind === 'cstring') parts[f.name] = fc.string({ unit: fc.integer({ min: 1, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: f.size });
    else parts[f.name] = fc.uint8Array({ minLength: f.size, maxLength: f.size });
  }
  if (layout.tail) parts[layout.tail.name] = fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')), { maxLength: 5 });
  return fc.record(parts).map((raw) => {
    const expected: RawRow = {};
    for (const f of layout.fields) if (f.name in raw) expected[f.name] = expectedValue(f, raw[f.name]);
    if (layout.tail) expected[layout.tail.name] = raw[layout.tail.name];
    return [raw, expected];
  });
}
