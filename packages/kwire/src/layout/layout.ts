// A record layout, declared once: named fields with a type and an offset (explicit or computed with C's
// natural alignment), a total size, and optionally a variable tail of NUL-separated strings whose byte
// length a head field holds (exec-like records). Everything else is generated from it: the WASM
// decoder (gen-assembly.ts), TypeScript types (gen-types.ts), C _Static_asserts (gen-c.ts).
import { createHash } from 'node:crypto';
import { KwireError } from '../errors.js';

/** Little-endian integers, then big-endian (network order) ones. */
export type IntType = 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64';
export type BigEndianType = 'u16be' | 'u32be' | 'u64be' | 'i16be' | 'i32be' | 'i64be';
export type ScalarType = IntType | BigEndianType;

export type FieldType =
  | ScalarType
  /** IPv4 (4 bytes), IPv6 (16 bytes), or 16 bytes holding IPv4 when bytes 4..15 are zero (flow style). */
  | 'ip4'
  | 'ip6'
  | 'ip'
  | { kind: 'bytes'; length: number }
  /** A fixed char array read up to its first NUL. */
  | { kind: 'cstring'; length: number }
  /** A fixed (possibly nested, row-major) array of scalars: char x[2][3] has dims [2, 3]. */
  | { kind: 'array'; of: ScalarType; dims: number[] };

export const bytes = (length: number): FieldType => ({ kind: 'bytes', length });
export const cstring = (length: number): FieldType => ({ kind: 'cstring', length });
export const array = (of: ScalarType, ...dims: number[]): FieldType => ({ kind: 'array', of, dims });

export interface FieldSpec {
  /** camelCase name used in TypeScript. */
  name: string;
  type: FieldType;
  /** Byte offset; default: the next naturally aligned offset after the previous field. */
  offset?: number;
  /** Member name in the C struct; default: the name in snake_case. */
  c?: string;
  /** false: checked and decoded nowhere but the layout checks (padding, fill); no column, no row value. */
  column?: false;
  /** Integers only: the values a record may hold; a record with another one is skipped (BAD_VALUE). */
  oneOf?: readonly number[];
  /** Every byte must be zero, else the record is skipped (BAD_VALUE): reserved padding. */
  zero?: true;
  /** 64-bit integers only: the column holds f64 (exact below 2^53), rows a number instead of a bigint. */
  as?: 'f64';
}

/** A column computed by a hand-written AssemblyScript function of the record (built-in layouts only). */
export interface DerivedSpec {
  name: string;
  type: 'u8' | 'u16' | 'u32' | 'u64';
  /** `@inline function <fn>(p: usize): <type>` exported by the layout's `hooks` module. */
  fn: string;
}

export interface TailSpec {
  /** Name of the strings in TypeScript (exec: 'args'). */
  name: string;
  /** The head field holding the tail's byte length (an unsigned little-endian integer). */
  sizeField: string;
  /** Flexible array member name in C; default: name in snake_case. */
  c?: string;
}

export interface LayoutSpec {
  /** camelCase record name: prefixes the decoder's exports (execInit, …) and the generated types. */
  name: string;
  /** C struct name; default: `${snake(name)}_event`. */
  struct?: string;
  /** Total size of the fixed part; default: computed (last field's end rounded up to the alignment). */
  size?: number;
  fields: FieldSpec[];
  tail?: TailSpec;
  /** Bytes after the fixed record in its frame: 'reject' (BAD_LENGTH, the default) or 'ignore' (a
   *  transport that pads, as perf pads a 104-byte sample to 108). Layouts without a tail only. */
  trailing?: 'reject' | 'ignore';
  /** Hand-written AssemblyScript the generated decoder imports (built-in layouts only): path relative to
   *  assembly/, without extension. It exports the `derived` functions and, with `filter`, the filter. */
  hooks?: string;
  /** Columns computed from the record, after the fields' columns. */
  derived?: DerivedSpec[];
  /** An in-pass filter: the hooks module exports `<filter>On: bool` and `@inline <filter>(p: usize): bool`;
   *  records it refuses are counted (`<name>Filtered()`) and never reach a batch. */
  filter?: string;
}

export type FieldKind = 'int' | 'bytes' | 'cstring' | 'ip4' | 'ip6' | 'ip' | 'array';

export interface Field {
  readonly name: string;
  readonly c: string;
  readonly kind: FieldKind;
  /** The scalar (int) or element (array) type. */
  readonly scalar?: ScalarType;
  /** Array dimensions (array only). */
  readonly dims?: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  /** False for a field with no column (padding). */
  readonly column: boolean;
  readonly oneOf?: readonly number[];
  readonly zero?: boolean;
  /** Column of f64 instead of a 64-bit integer. */
  readonly float?: boolean;
}

export interface Layout {
  readonly name: string;
  readonly struct: string;
  /** Size of the fixed part (the head, for a layout with a tail). */
  readonly size: number;
  readonly align: number;
  readonly fields: readonly Field[];
  readonly tail?: { readonly name: string; readonly c: string; readonly sizeField: string };
  readonly trailing?: 'ignore';
  readonly hooks?: string;
  readonly derived?: readonly DerivedSpec[];
  readonly filter?: string;
}

export const scalarSize = (t: ScalarType): number => Number(t.match(/\d+/)![0]) / 8;
export const isBigEndian = (t: ScalarType): boolean => t.endsWith('be');
export const isSigned = (t: ScalarType): boolean => t.startsWith('i');
/** The little-endian type with the same width and sign. */
export const baseType = (t: ScalarType): IntType => t.replace('be', '') as IntType;

export const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const camel = (name: string): string => name.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(layout: string, message: string): never {
  throw new KwireError('EINVAL_ARGUMENT', `defineLayout(): layout ${layout}: ${message}`);
}

function shape(layout: string, f: FieldSpec): { kind: FieldKind; scalar?: ScalarType; dims?: number[]; size: number; align: number } {
  const t = f.type;
  if (typeof t !== 'string' && (typeof t !== 'object' || t === null)) invalid(layout, `field ${f.name}: type must be a type name ('u32', 'ip4', …) or bytes(n)/cstring(n)/array(type, …dims), got ${t === null ? 'null' : typeof t}`);
  if (typeof t === 'string') {
    if (t === 'ip4') return { kind: 'ip4', size: 4, align: 1 };
    if (t === 'ip6' || t === 'ip') return { kind: t, size: 16, align: 1 };
    if (!/^[ui](8|16|32|64)(be)?$/.test(t) || /^[ui]8be$/.test(t)) invalid(layout, `field ${f.name}: unknown type ${t}`);
    return { kind: 'int', scalar: t, size: scalarSize(t), align: scalarSize(t) };
  }
  const positive = (n: number) => Number.isInteger(n) && n > 0 && n <= 1 << 20;
  if (t.kind === 'bytes' || t.kind === 'cstring') {
    if (!positive(t.length)) invalid(layout, `field ${f.name}: length must be a positive integer, got ${t.length}`);
    return { kind: t.kind, size: t.length, align: 1 };
  }
  if (t.kind === 'array') {
    if (!Array.isArray(t.dims) || t.dims.length === 0 || !t.dims.every(positive)) invalid(layout, `field ${f.name}: bad array dimensions [${t.dims}]`);
    const inner = shape(layout, { name: f.name, type: t.of });
    if (inner.kind !== 'int') invalid(layout, `field ${f.name}: arrays hold scalars`);
    const count = t.dims.reduce((a, b) => a * b, 1);
    return { kind: 'array', scalar: t.of, dims: [...t.dims], size: count * inner.size, align: inner.align };
  }
  invalid(layout, `field ${f.name}: unknown type ${JSON.stringify(t)}`);
}

/** Resolves offsets and checks the layout: names, alignment, overlaps, size, tail. */
export function defineLayout(spec: LayoutSpec): Layout {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new KwireError('EINVAL_ARGUMENT', `defineLayout(): the spec must be an object { name, fields: [{ name, type }, …] }, got ${spec === null ? 'null' : typeof spec}`);
  }
  const name = spec.name;
  if (typeof name !== 'string' || !IDENT.test(name)) invalid(String(name), 'the name must be an identifier');
  if (!Array.isArray(spec.fields)) invalid(name, 'fields must be an array of { name, type } (e.g. [{ name: \'pid\', type: \'u32\' }])');
  if (spec.fields.length === 0) invalid(name, 'no fields');
  const fields: Field[] = [];
  const names = new Set<string>();
  let end = 0;
  let align = 1;
  for (const f of spec.fields) {
    if (typeof f !== 'object' || f === null) invalid(name, `each field must be an object { name, type }, got ${f === null ? 'null' : typeof f}`);
    if (typeof f.name !== 'string' || !IDENT.test(f.name)) invalid(name, `field name ${JSON.stringify(f.name)} is not an identifier`);
    if (names.has(f.name)) invalid(name, `field ${f.name} declared twice`);
    names.add(f.name);
    const s = shape(name, f);
    const offset = f.offset ?? Math.ceil(end / s.align) * s.align;
    if (!Number.isInteger(offset) || offset < 0) invalid(name, `field ${f.name}: bad offset ${offset}`);
    if (offset % s.align !== 0) invalid(name, `field ${f.name}: offset ${offset} is not a multiple of its alignment ${s.align}`);
    const clash = fields.find((g) => offset < g.offset + g.size && g.offset < offset + s.size);
    if (clash) invalid(name, `field ${f.name} (${offset}..${offset + s.size}) overlaps ${clash.name} (${clash.offset}..${clash.offset + clash.size})`);
    if (f.oneOf && (s.kind !== 'int' || f.oneOf.length === 0 || !f.oneOf.every(Number.isSafeInteger))) invalid(name, `field ${f.name}: oneOf needs an integer field and integer values`);
    if (f.as !== undefined && (f.as !== 'f64' || s.kind !== 'int' || s.size !== 8)) invalid(name, `field ${f.name}: as 'f64' needs a 64-bit integer field`);
    fields.push({
      name: f.name, c: f.c ?? snake(f.name), kind: s.kind, ...(s.scalar ? { scalar: s.scalar } : {}), ...(s.dims ? { dims: s.dims } : {}), offset, size: s.size, align: s.align,
      column: f.column !== false, ...(f.oneOf ? { oneOf: [...f.oneOf] } : {}), ...(f.zero ? { zero: true } : {}), ...(f.as ? { float: true } : {}),
    });
    end = Math.max(end, offset + s.size);
    align = Math.max(align, s.align);
  }
  fields.sort((a, b) => a.offset - b.offset);
  const size = spec.size ?? Math.ceil(end / align) * align;
  if (size < end) invalid(name, `size ${size} is smaller than the fields' end ${end}`);
  if (size % align !== 0) invalid(name, `size ${size} is not a multiple of the alignment ${align}`);
  const derived = spec.derived ?? [];
  for (const d of derived) {
    if (!IDENT.test(d.name) || names.has(d.name) || !IDENT.test(d.fn)) invalid(name, `derived column ${d.name}: needs a free identifier and a function name`);
    if (!['u8', 'u16', 'u32', 'u64'].includes(d.type)) invalid(name, `derived column ${d.name}: unknown type ${d.type}`);
    names.add(d.name);
  }
  if ((derived.length > 0 || spec.filter) && !spec.hooks) invalid(name, 'derived columns and filters need a hooks module');
  if (spec.filter && !IDENT.test(spec.filter)) invalid(name, `filter ${spec.filter} is not an identifier`);
  if (spec.trailing === 'ignore' && spec.tail) invalid(name, "trailing: 'ignore' is for layouts without a tail");
  const layout: Layout = {
    name, struct: spec.struct ?? `${snake(name)}_event`, size, align, fields,
    ...(spec.trailing === 'ignore' ? { trailing: 'ignore' as const } : {}),
    ...(spec.hooks ? { hooks: spec.hooks } : {}),
    ...(derived.length ? { derived: derived.map((d) => ({ ...d })) } : {}),
    ...(spec.filter ? { filter: spec.filter } : {}),
  };
  if (!spec.tail) return layout;
  const t = spec.tail;
  if (!IDENT.test(t.name) || names.has(t.name)) invalid(name, `tail name ${t.name} is not a free identifier`);
  const sizeField = fields.find((f) => f.name === t.sizeField);
  if (!sizeField || sizeField.kind !== 'int' || isSigned(sizeField.scalar!) || isBigEndian(sizeField.scalar!) || sizeField.size > 4) {
    invalid(name, `tail size field ${t.sizeField} must be an unsigned little-endian field of at most 32 bits`);
  }
  return { ...layout, tail: { name: t.name, c: t.c ?? snake(t.name), sizeField: t.sizeField } };
}

/** Stable identity of a layout (cache keys, drift messages). */
export function layoutHash(layout: Layout, extra = ''): string {
  return createHash('sha256').update(JSON.stringify(layout)).update(extra).digest('hex').slice(0, 16);
}

/** Differences between two layouts (empty when they agree), as readable lines. */
export function compareLayouts(expected: Layout, actual: Layout): string[] {
  const out: string[] = [];
  if (expected.size !== actual.size) out.push(`size: ${expected.size} declared, ${actual.size} found`);
  const by = new Map(actual.fields.map((f) => [f.c, f]));
  for (const f of expected.fields) {
    const g = by.get(f.c);
    if (!g) {
      out.push(`${f.c}: declared at ${f.offset}, missing`);
      continue;
    }
    by.delete(f.c);
    if (g.offset !== f.offset) out.push(`${f.c}: offset ${f.offset} declared, ${g.offset} found`);
    if (g.size !== f.size) out.push(`${f.c}: size ${f.size} declared, ${g.size} found`);
    const sameType = g.kind === f.kind || (g.kind === 'bytes' && ['cstring', 'ip4', 'ip6', 'ip'].includes(f.kind)) || (g.kind === 'array' && f.kind === 'bytes');
    // BTF of a plain __u16 cannot say the bytes are in network order: a declared big-endian field matches it
    const sameScalar = g.scalar === f.scalar || (isBigEndian(f.scalar ?? 'u8') && g.scalar === baseType(f.scalar!));
    if (!sameType || (f.kind === 'int' && !sameScalar)) out.push(`${f.c}: ${f.scalar ?? f.kind} declared, ${g.scalar ?? g.kind} found`);
  }
  for (const g of by.values()) out.push(`${g.c}: found at ${g.offset}, not declared`);
  if ((expected.tail?.c ?? '') !== (actual.tail?.c ?? '')) out.push(`tail: ${expected.tail?.c ?? 'none'} declared, ${actual.tail?.c ?? 'none'} found`);
  return out;
}
