// A reference encoder for layouts with variable fields (strings, byte runs, SIDs), pointer widths and
// tagged unions, in plain TypeScript with DataView (tests only), and fast-check arbitraries for random
// such layouts and for their records, with the row a decoder must give back. It reads only the
// resolved offsets of the Layout; string encodings and SID text are written out here by hand.
import fc from 'fast-check';
import { defineLayout, type Field, type FieldSpec, type FieldType, type Layout, type LayoutSpec, type ScalarType } from 'kwire';
import type { Variant, VarField } from '../../packages/kwire/src/layout/layout.js';
import { expectedValue, scalarValue, size, writeScalar } from './layout.js';

export type Width = 8 | 4;

/** UTF-8 bytes, written out by code point (no TextEncoder). */
export function utf8Bytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** UTF-16LE bytes of the string's code units (surrogate pairs as they are). */
export function utf16Bytes(s: string): number[] {
  const out: number[] = [];
  for (let k = 0; k < s.length; k++) out.push(s.charCodeAt(k) & 0xff, s.charCodeAt(k) >> 8);
  return out;
}

/** A SID as a raw input: none (the u32 0 form), or revision, 48-bit authority and sub-authorities. */
export type RawSid = null | { revision: number; authority: bigint; subs: number[]; junk: number[] };

export function sidText(sid: RawSid): string {
  if (sid === null) return '';
  const a = sid.authority >= 2n ** 32n ? `0x${sid.authority.toString(16).toUpperCase().padStart(12, '0')}` : String(sid.authority);
  return ['S', sid.revision, a, ...sid.subs].join('-');
}

function sidBytes(sid: RawSid, w: Width): number[] {
  if (sid === null) return [0, 0, 0, 0];
  // TOKEN_USER: a non-zero SID pointer, then the attributes and padding (garbage, as seen in real files)
  const token = [1, ...sid.junk.slice(0, 2 * w - 1)];
  const auth = Array.from({ length: 6 }, (_, k) => Number((sid.authority >> BigInt(8 * (5 - k))) & 0xffn));
  const subs = sid.subs.flatMap((s) => [s & 0xff, (s >>> 8) & 0xff, (s >>> 16) & 0xff, s >>> 24]);
  return [...token, sid.revision, sid.subs.length, ...auth, ...subs];
}

export type RawRow = Record<string, unknown>;

const fieldOffset = (f: Field, w: Width) => (w === 4 ? f.offset32 ?? f.offset : f.offset);

/** Encodes a record: head fields, then (for a union) the variant `variant` with tag values `tag`, then the
 *  variable fields in order; `trailing` bytes after (layouts declared trailing: 'ignore'). */
export function encodeVar(layout: Layout, w: Width, head: RawRow, variant?: { v: Variant; tag: number[]; raw: RawRow }, trailing: number[] = []): Uint8Array {
  const u = layout.union;
  const fixedEnd = (fields: readonly Field[], base: number) => fields.reduce((e, f) => Math.max(e, base + fieldOffset(f, w) + (w === 4 ? f.size32 ?? f.size : f.size)), 0);
  const headSize = w === 4 ? layout.size32 ?? layout.size : layout.size;
  const at = u ? (w === 4 ? u.at32 ?? u.at : u.at) : 0;
  const vSize = variant ? (w === 4 ? variant.v.size32 ?? variant.v.size : variant.v.size) : 0;
  const fixed = Math.max(headSize, fixedEnd(layout.fields, 0), variant ? at + vSize : 0);
  const vars = variant ? variant.v.vars : layout.vars ?? [];
  const raw = variant ? variant.raw : head;
  const varBytes: number[] = [];
  const lengths = new Map<string, number>();
  for (const x of vars) {
    const value = raw[x.name];
    let body: number[];
    if (x.kind === 'sid') {
      varBytes.push(...sidBytes(value as RawSid, w));
      continue;
    }
    body = x.kind === 'bytes' ? [...(value as Uint8Array)] : x.encoding === 'utf16le' ? utf16Bytes(value as string) : utf8Bytes(value as string);
    const count = x.unit === 2 ? body.length / 2 : body.length;
    if (x.length === 'nul') body = [...body, ...(x.encoding === 'utf16le' ? [0, 0] : [0])];
    else if (typeof x.length === 'string') {
      const b = { u8: 1, u16: 2, u32: 4 }[x.length as 'u8' | 'u16' | 'u32'];
      body = [...Array.from({ length: b }, (_, k) => (count >>> (8 * k)) & 0xff), ...body];
    } else lengths.set((x.length as { field: string }).field, count);
    varBytes.push(...body);
  }
  const out = new Uint8Array(fixed + varBytes.length + trailing.length);
  const v = new DataView(out.buffer);
  const put = (f: Field, base: number, value: unknown) => {
    const o = base + fieldOffset(f, w);
    if (f.kind === 'int') writeScalar(v, o, f.scalar!, value as number | bigint);
    else if (f.kind === 'ptr') {
      const flat = (f.dims ? (value as unknown[]).flat(8) : [value]) as bigint[];
      flat.forEach((x, k) => (w === 4 ? v.setUint32(o + 4 * k, Number(x), true) : v.setBigUint64(o + 8 * k, x, true)));
    } else if (f.kind === 'array') ((value as unknown[]).flat(8) as (number | bigint)[]).forEach((x, k) => writeScalar(v, o + k * size(f.scalar!), f.scalar!, x));
    else if (f.kind === 'cstring') out.set(utf8Bytes(value as string).slice(0, f.size), o);
    else out.set(value as Uint8Array, o);
  };
  for (const f of layout.fields) put(f, 0, lengths.get(f.name) ?? head[f.name]);
  if (variant) {
    u!.on.forEach((n, k) => put(layout.fields.find((f) => f.name === n)!, 0, variant.tag[k]));
    for (const f of variant.v.fields) put(f, at, lengths.get(f.name) ?? variant.raw[f.name]);
  }
  out.set(varBytes, fixed);
  out.set(trailing, fixed + varBytes.length);
  return out;
}

// ---- Arbitraries ----------------------------------------------------------------------------------

const scalars: ScalarType[] = ['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'u16be', 'u32be', 'i64be'];
const fixedType: fc.Arbitrary<FieldType> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...scalars) },
  { weight: 3, arbitrary: fc.constant('ptr' as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => ({ kind: 'array' as const, of: 'ptr' as const, dims: [n] })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((length) => ({ kind: 'bytes' as const, length })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((length) => ({ kind: 'cstring' as const, length })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('array' as const), of: fc.constantFrom(...scalars), dims: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }) }) },
);
type VarKind = 'utf8z' | 'utf16z' | 'utf8p' | 'utf16p' | 'utf16pu' | 'utf8f' | 'utf16fu' | 'bytesp' | 'bytesf' | 'sid';
const varKind = fc.constantFrom<VarKind>('utf8z', 'utf16z', 'utf8p', 'utf16p', 'utf16pu', 'utf8f', 'utf16fu', 'bytesp', 'bytesf', 'sid');
const prefix = fc.constantFrom('u8' as const, 'u16' as const, 'u32' as const);

/** Field specs for a list: fixed fields, then variable ones; a field-sized variable field gets its own u16/u32 length field. */
function fieldList(prefixName: string, pointer: boolean) {
  return fc
    .record({ fixed: fc.array(fixedType, { maxLength: 5 }), vars: fc.array(fc.record({ kind: varKind, prefix, lenType: fc.constantFrom('u16' as const, 'u32' as const) }), { maxLength: 4 }) })
    .map(({ fixed, vars }) => {
      const specs: FieldSpec[] = [];
      fixed.forEach((t, k) => {
        if (!pointer && (t === 'ptr' || (typeof t === 'object' && t.kind === 'array' && t.of === 'ptr'))) t = 'u32';
        specs.push({ name: `${prefixName}f${k}`, type: t });
      });
      const varSpecs: FieldSpec[] = [];
      vars.forEach(({ kind, prefix: p, lenType }, k) => {
        const name = `${prefixName}s${k}`;
        const field = () => {
          specs.push({ name: `${name}Len`, type: lenType });
          return { field: `${name}Len` };
        };
        if (kind === 'sid' && !pointer) kind = 'utf8z';
        const type: FieldType =
          kind === 'utf8z' ? { kind: 'string', encoding: 'utf8' }
          : kind === 'utf16z' ? { kind: 'string', encoding: 'utf16le' }
          : kind === 'utf8p' ? { kind: 'string', encoding: 'utf8', length: p }
          : kind === 'utf16p' ? { kind: 'string', encoding: 'utf16le', length: p }
          : kind === 'utf16pu' ? { kind: 'string', encoding: 'utf16le', length: p, unit: 'units' }
          : kind === 'utf8f' ? { kind: 'string', encoding: 'utf8', length: field() }
          : kind === 'utf16fu' ? { kind: 'string', encoding: 'utf16le', length: field(), unit: 'units' }
          : kind === 'bytesp' ? { kind: 'bytes', length: p }
          : kind === 'bytesf' ? { kind: 'bytes', length: field() }
          : 'sid';
        varSpecs.push({ name, type });
      });
      return [...specs, ...varSpecs];
    });
}

/** Random layouts: a head with a tag field (or two), fixed and variable fields, sometimes packed, a
 *  pointer flag, a union of 1..4 variants with 1..2 tags each, trailing bytes ignored. */
export const arbitraryVarLayout: fc.Arbitrary<Layout> = fc
  .record({
    pointer: fc.boolean(),
    packed: fc.boolean(),
    trailing: fc.boolean(),
    union: fc.boolean(),
    composite: fc.boolean(),
    tagType: fc.constantFrom('u8' as const, 'u16' as const, 'u32' as const, 'u16be' as const),
    head: fc.boolean().chain((p) => fieldList('h', p)),
    variants: fc.array(fc.record({ fields: fieldList('', true), tags: fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 4 }),
    flag: fc.constantFrom(0x1, 0x2, 0x40),
  })
  .map(({ pointer, packed, trailing, union, composite, tagType, head, variants, flag }) => {
    const strip = (fs: FieldSpec[]): FieldSpec[] =>
      pointer ? fs : fs.map((f) => (f.type === 'ptr' || f.type === 'sid' || (typeof f.type === 'object' && f.type.kind === 'array' && f.type.of === 'ptr') ? { ...f, type: f.type === 'sid' ? { kind: 'string' as const, encoding: 'utf8' as const } : 'u32' } : f));
    const fields: FieldSpec[] = [{ name: 'tag', type: tagType }, ...(composite ? [{ name: 'tag2', type: 'u8' as const }] : [])];
    let hf = strip(head);
    if (union) hf = hf.filter((f) => !(typeof f.type === 'object' && f.type.kind === 'string') && f.type !== 'sid' && !(typeof f.type === 'object' && f.type.kind === 'bytes' && typeof f.type.length !== 'number'));
    fields.push(...hf);
    const anyPtr = (fs: FieldSpec[]) => fs.some((f) => f.type === 'ptr' || f.type === 'sid' || (typeof f.type === 'object' && f.type.kind === 'array' && f.type.of === 'ptr'));
    // Tags distinct across variants: variant k takes values ≡ k (mod 8).
    const spec: LayoutSpec = {
      name: 'rv',
      fields,
      ...(packed ? { packed: true as const } : {}),
      ...(trailing ? { trailing: 'ignore' as const } : {}),
      ...(union
        ? {
            union: {
              on: composite ? ['tag', 'tag2'] : 'tag',
              variants: Object.fromEntries(variants.map((v, k) => [`v${k}`, {
                tag: composite ? v.tags.map((t) => [t * 8 + k, t % 7]) : v.tags.map((t) => t * 8 + k),
                fields: strip(v.fields),
              }])),
            },
          }
        : {}),
    };
    const needs = anyPtr(fields) || (union && variants.some((v) => anyPtr(strip(v.fields))));
    if (pointer && needs) spec.pointer = { flag };
    if (!union && !needs && !packed && !(spec.fields.some((f) => typeof f.type === 'object' && (f.type.kind === 'string' || (f.type.kind === 'bytes' && typeof f.type.length !== 'number'))) || spec.fields.some((f) => f.type === 'sid'))) spec.packed = true;
    return defineLayout(spec);
  });

const grapheme = fc.string({ unit: 'grapheme', maxLength: 6 });
const lengthLimit = (x: VarField, layout: Layout, fields: readonly Field[]) => {
  const t = x.length === 'nul' || x.length === 'sid' ? 'u32' : typeof x.length === 'string' ? x.length : [...layout.fields, ...fields].find((f) => f.name === (x.length as { field: string }).field)!.scalar!;
  return t === 'u8' ? 255 : t === 'u16' ? 65535 : 2 ** 32 - 1;
};

function varArb(x: VarField, limit: number): fc.Arbitrary<unknown> {
  if (x.kind === 'sid') {
    return fc.option(fc.record({ revision: fc.constantFrom(1, 1, 2), authority: fc.oneof(fc.constantFrom(5n, 0n, 16n), fc.bigInt(0n, 2n ** 48n - 1n)), subs: fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 6 }), junk: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 15, maxLength: 15 }) }), { nil: null });
  }
  if (x.kind === 'bytes') return fc.uint8Array({ maxLength: Math.min(limit, 40) });
  const s = x.length === 'nul' ? grapheme.filter((t) => !t.includes('\0')) : grapheme;
  const bytes = (t: string) => (x.encoding === 'utf16le' ? t.length * 2 : utf8Bytes(t).length) / x.unit;
  return s.filter((t) => bytes(t) <= limit);
}

function fixedArb(f: Field, w: () => Width): fc.Arbitrary<unknown> {
  const nested = (leaf: fc.Arbitrary<unknown>, dims: readonly number[]): fc.Arbitrary<unknown> => {
    const [d, ...rest] = dims as [number, ...number[]];
    return fc.array(rest.length ? nested(leaf, rest) : leaf, { minLength: d, maxLength: d });
  };
  if (f.kind === 'ptr') return f.dims ? nested(fc.bigInt(0n, 2n ** 32n - 1n), f.dims) : fc.bigInt(0n, 2n ** 32n - 1n);
  if (f.kind === 'int') return scalarValue(f.scalar!);
  if (f.kind === 'array') return nested(scalarValue(f.scalar!), f.dims!);
  if (f.kind === 'cstring') return fc.string({ unit: fc.integer({ min: 1, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: f.size });
  void w;
  return fc.uint8Array({ minLength: f.size, maxLength: f.size });
}

/** 64-bit pointer values beyond 32 bits for 8-byte writers. */
const widen = (f: Field, value: unknown, hi: bigint): unknown => (f.kind !== 'ptr' ? value : f.dims ? (value as unknown[]).map((x) => (Array.isArray(x) ? x.map((y) => (y as bigint) | hi) : (x as bigint) | hi)) : (value as bigint) | hi);

export interface VarRecord {
  width: Width;
  bytes: Uint8Array;
  expected: RawRow;
  /** Ignored bytes at the end of `bytes`. */
  trailing: number;
}

/** A random record of `layout` (of a random pointer width when it has a pointer flag): its bytes and its row. */
export function arbitraryVarRecord(layout: Layout): fc.Arbitrary<VarRecord> {
  const u = layout.union;
  const lengthFields = new Set([...(layout.vars ?? []), ...(u?.variants.flatMap((v) => v.vars) ?? [])].flatMap((x) => (typeof x.length === 'object' ? [x.length.field] : [])));
  const onFields = new Set(u?.on ?? []);
  const fixed = (fields: readonly Field[]) => fc.record(Object.fromEntries(fields.filter((f) => !lengthFields.has(f.name) && !onFields.has(f.name)).map((f) => [f.name, fixedArb(f, () => 8)])));
  const vars = (xs: readonly VarField[], fields: readonly Field[]) => fc.record(Object.fromEntries(xs.map((x) => [x.name, varArb(x, lengthLimit(x, layout, fields))])));
  return fc
    .record({
      width: layout.pointer ? fc.constantFrom<Width>(8, 4) : fc.constant<Width>(8),
      hi: fc.bigInt(0n, 2n ** 32n - 1n).map((h) => h << 32n),
      head: fixed(layout.fields),
      headVars: vars(layout.vars ?? [], []),
      variant: u ? fc.integer({ min: 0, max: u.variants.length - 1 }).chain((k) => fc.record({ k: fc.constant(k), tag: fc.constantFrom(...u.variants[k]!.tags), raw: fixed(u.variants[k]!.fields), rawVars: vars(u.variants[k]!.vars, u.variants[k]!.fields) })) : fc.constant(undefined),
      trailing: layout.trailing ? fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }) : fc.constant([]),
    })
    .map(({ width, hi, head, headVars, variant, trailing }) => {
      const wide = (fields: readonly Field[], raw: RawRow) => Object.fromEntries(Object.entries(raw).map(([n, v]) => [n, width === 8 ? widen(fields.find((f) => f.name === n)!, v, hi) : v]));
      const h = { ...wide(layout.fields, head), ...headVars };
      const v = variant && u ? { v: u.variants[variant.k]!, tag: [...variant.tag], raw: { ...wide(u.variants[variant.k]!.fields, variant.raw), ...variant.rawVars } } : undefined;
      const bytes = encodeVar(layout, width, h, v, trailing);
      // the row: every field as written (tags and length fields read back from the bytes' meaning)
      const expected: RawRow = {};
      const lens = (xs: readonly VarField[], raw: RawRow) => {
        const m = new Map<string, number>();
        for (const x of xs) if (typeof x.length === 'object') {
          const value = raw[x.name];
          const n = x.kind === 'bytes' ? (value as Uint8Array).length : x.encoding === 'utf16le' ? (value as string).length * (x.unit === 2 ? 1 : 2) : utf8Bytes(value as string).length;
          m.set(x.length.field, n);
        }
        return m;
      };
      const hl = lens(layout.vars ?? [], h);
      const vl = v ? lens(v.v.vars, v.raw) : new Map<string, number>();
      for (const f of layout.fields) {
        const k = u?.on.indexOf(f.name) ?? -1;
        expected[f.name] = k >= 0 ? v!.tag[k] : hl.has(f.name) ? hl.get(f.name) : vl.has(f.name) ? vl.get(f.name) : expectedValue(f, h[f.name]);
      }
      const varValue = (x: VarField, value: unknown) => (x.kind === 'sid' ? sidText(value as RawSid) : value);
      for (const x of layout.vars ?? []) expected[x.name] = varValue(x, h[x.name]);
      if (v) {
        expected.variant = v.v.name;
        for (const f of v.v.fields) expected[f.name] = vl.has(f.name) ? vl.get(f.name) : expectedValue(f, v.raw[f.name]);
        for (const x of v.v.vars) expected[x.name] = varValue(x, v.raw[x.name]);
      }
      return { width, bytes, expected, trailing: trailing.length };
    });
}

/** The head of a record whose tag no variant has (for unknown-tag frames). */
export function unknownTagRecord(layout: Layout, w: Width): Uint8Array {
  const u = layout.union!;
  const used = new Set(u.variants.flatMap((v) => v.tags.map((t) => t[0])));
  let tag = 1;
  while (used.has(tag)) tag++;
  const head: RawRow = {};
  for (const f of layout.fields) head[f.name] = f.kind === 'int' ? (size(f.scalar!) === 8 ? 0n : 0) : f.kind === 'ptr' ? (f.dims ? new Array(f.dims[0]).fill(0n) : 0n) : f.kind === 'array' ? fc.sample(fixedArb(f, () => w), 1)[0] : f.kind === 'cstring' ? '' : new Uint8Array(f.size);
  head[u.on[0]!] = tag;
  const bytes = encodeVar(layout, w, head);
  const out = new Uint8Array(Math.max(bytes.length, 64));
  out.set(bytes);
  return out;
}
