// A record layout, declared once: named fields with a type and an offset (explicit or computed with C's
// natural alignment), a total size, and optionally a variable tail of NUL-separated strings whose byte
// length a head field holds (exec-like records). Everything else is generated from it: the WASM
// decoder (gen-assembly.ts), TypeScript types (gen-types.ts), C _Static_asserts (gen-c.ts).
//
// Kernel messages that are not fixed C structs (netlink proc connector, ETW) add, declared like fields:
// - Variable fields, after the fixed ones and located in declaration order, each where the previous
//   ended (the first at the end of the fixed part): utf8() / utf16() strings, NUL-terminated or with a
//   length (utf8({ length: 'u16' }) prefix just before the string, utf16({ length: { field: 'nameLen' },
//   unit: 'units' }) in a fixed field; bytes or UTF-16 code units), bytes('u32') / bytes({ field }) runs,
//   and 'sid' (ETW's SkipSID: u32 0 is 4 bytes and no SID; else a TOKEN_USER of two pointers and a SID of
//   8 + 4 * SubAuthorityCount bytes). Each has columns <name>Offset / <name>Length into the batch's string
//   heap `strings`; rows hold a string (a SID as S-1-5-…, '' for none) or a Uint8Array. A variable field
//   that does not end inside the frame (no NUL, a length past the end) skips the record: STATUS_TRUNCATED.
// - 'ptr' (and array('ptr', n)): 4 or 8 bytes per record, chosen by a frame header flag bit declared as
//   `pointer: { flag: 0x1 }` (flag set: a 32-bit writer); offsets after a ptr are computed per width.
//   Columns are u64 (rows bigint; as: 'f64' gives numbers).
// - `union: { on: 'what' | ['group', 'opcode'], at?, variants: { fork: { tag: 1, fields }, … } }`: the
//   discriminant head field(s) select a variant whose fields start at `at` (default: the head's end); a
//   tag may be a list (a set of values, or for a composite `on` one value list or a list of them). An
//   unknown tag skips the record (STATUS_BAD_VALUE). Columns: the head's, `variant` (index in declaration
//   order) and `<variant><Field>` per variant field (zero in rows of other variants); rows hold the head
//   fields, `variant: 'fork'` and that variant's fields under their own names.
// - `packed: true`: no alignment padding (ETW payloads). In layouts with any of these, the size
//   defaults to the fields' end (not rounded up) and `trailing: 'ignore'` accepts longer frames.
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
  /** A pointer-sized integer: 4 or 8 bytes per record, by the layout's `pointer` flag (u64 column). */
  | 'ptr'
  /** ETW's variable-length SID (SkipSID rule), after the fixed part. */
  | 'sid'
  /** Fixed bytes (length a number), or a variable run after the fixed part (length prefix or field). */
  | { kind: 'bytes'; length: number | VarLength }
  /** A fixed char array read up to its first NUL. */
  | { kind: 'cstring'; length: number }
  /** A fixed (possibly nested, row-major) array of scalars (or of ptr): char x[2][3] has dims [2, 3]. */
  | { kind: 'array'; of: ScalarType | 'ptr'; dims: number[] }
  /** A variable string after the fixed part: NUL-terminated without `length`. */
  | StringType;

/** Where a variable field's length is: a u8/u16/u32 prefix just before it, or a fixed field. */
export type VarLength = 'u8' | 'u16' | 'u32' | { field: string };

export interface StringType {
  kind: 'string';
  /** 'utf8' (ANSI strings too: decoded as UTF-8) or 'utf16le'. */
  encoding: 'utf8' | 'utf16le';
  /** Without: NUL-terminated (a NUL byte, or a NUL code unit for UTF-16). */
  length?: VarLength;
  /** What the length counts: bytes (default) or code units (2 bytes each in UTF-16). */
  unit?: 'bytes' | 'units';
}

/**
 * A field type of raw bytes: `length` fixed bytes, or variable bytes sized by a length prefix or field.
 *
 * @example
 * defineLayout({ name: 'pkt', fields: [{ name: 'mac', type: bytes(6) }] });
 */
export const bytes = (length: number | VarLength): FieldType => ({ kind: 'bytes', length });
/**
 * A field type of a fixed `length`-byte char array read as a NUL-terminated string (like `comm`).
 *
 * @example
 * defineLayout({ name: 'task', fields: [{ name: 'comm', type: cstring(16) }] });
 */
export const cstring = (length: number): FieldType => ({ kind: 'cstring', length });
/**
 * A field type of a (multi-dimensional, row-major) array of scalars or pointers: `dims` gives each extent.
 *
 * @example
 * defineLayout({ name: 'm', fields: [{ name: 'grid', type: array('u16', 2, 3) }] });
 */
export const array = (of: ScalarType | 'ptr', ...dims: number[]): FieldType => ({ kind: 'array', of, dims });
/**
 * A variable UTF-8 string field type: NUL-terminated, or sized by `length` (a prefix type or a field).
 *
 * @example
 * defineLayout({ name: 'img', fields: [{ name: 'path', type: utf8() }] });
 */
export const utf8 = (options: { length?: VarLength; unit?: 'bytes' | 'units' } = {}): StringType => ({ kind: 'string', encoding: 'utf8', ...options });
/**
 * A variable UTF-16LE string field type: NUL-terminated (a 0 code unit), or sized by `length`.
 *
 * @example
 * defineLayout({ name: 'proc', fields: [{ name: 'commandLine', type: utf16({ length: 'u16', unit: 'units' }) }] });
 */
export const utf16 = (options: { length?: VarLength; unit?: 'bytes' | 'units' } = {}): StringType => ({ kind: 'string', encoding: 'utf16le', ...options });

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
  /** 64-bit integers (and ptr) only: the column holds f64 (exact below 2^53), rows a number instead of a bigint. */
  as?: 'f64';
}

/** One variant of a union: its tag value(s) and its fields (offsets relative to the union's start). */
export interface VariantSpec {
  /** One value (a number, or for a composite `on` a list of one value per field), or a list of them. */
  tag: number | readonly number[] | readonly (readonly number[])[];
  fields: FieldSpec[];
  /** Size of the variant's fixed part; default: its fields' end. */
  size?: number;
}

export interface UnionSpec {
  /** The discriminant: a head integer field (at most 32 bits), or a list of them (a composite tag). */
  on: string | readonly string[];
  /** Offset of the variants in the record; default: the head's end. */
  at?: number;
  /** Variants by name, in column order. */
  variants: Record<string, VariantSpec>;
  /** A record whose tag no variant has: skipped and counted as STATUS_BAD_VALUE. */
  unknown?: 'skip';
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
  /** For 'ptr' fields (and 'sid'): the frame header flag bit that marks a record of a 32-bit writer
   *  (4-byte pointers); without it, pointers are 8 bytes. */
  pointer?: { flag: number };
  /** No alignment padding: every field's offset is the previous one's end. */
  packed?: true;
  /** A tagged union after (or overlaying) the head. */
  union?: UnionSpec;
  /** An in-pass filter: the hooks module exports `<filter>On: bool` and `@inline <filter>(p: usize): bool`
   *  (in a layout with variable fields, pointer widths or a union: `(p: usize, len: u32)`, len the frame's);
   *  records it refuses are counted (`<name>Filtered()`) and never reach a batch. */
  filter?: string;
}

export type FieldKind = 'int' | 'bytes' | 'cstring' | 'ip4' | 'ip6' | 'ip' | 'array' | 'ptr';

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
  /** Layouts with a pointer flag: offset and size in a record of a 32-bit writer. */
  readonly offset32?: number;
  readonly size32?: number;
}

/** A variable field, located after the fixed part (in declaration order). */
export interface VarField {
  readonly name: string;
  readonly c: string;
  readonly kind: 'string' | 'bytes' | 'sid';
  readonly encoding?: 'utf8' | 'utf16le';
  /** 'nul': NUL-terminated; a prefix type; or a fixed field (of the head, or of the same variant). */
  readonly length: 'nul' | 'sid' | 'u8' | 'u16' | 'u32' | { readonly field: string };
  /** Bytes per length unit (2: UTF-16 code units). */
  readonly unit: 1 | 2;
  readonly column: boolean;
}

export interface Variant {
  readonly name: string;
  /** Tag values: one list of values (one per `on` field) per matching tag. */
  readonly tags: readonly (readonly number[])[];
  /** Fixed part, relative to the union's start. */
  readonly size: number;
  readonly size32?: number;
  /** Offsets relative to the union's start. */
  readonly fields: readonly Field[];
  readonly vars: readonly VarField[];
}

export interface Union {
  readonly on: readonly string[];
  readonly at: number;
  readonly at32?: number;
  readonly unknown: 'skip';
  readonly variants: readonly Variant[];
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
  readonly packed?: true;
  readonly pointer?: { readonly flag: number };
  /** Fixed part in a record of a 32-bit writer (layouts with a pointer flag). */
  readonly size32?: number;
  /** Variable fields after the fixed part, in order. */
  readonly vars?: readonly VarField[];
  readonly union?: Union;
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
    if (t === 'ptr' || t === 'sid') invalid(layout, `field ${f.name}: ${t} is not a fixed-size type here`);
    if (t === 'ip4') return { kind: 'ip4', size: 4, align: 1 };
    if (t === 'ip6' || t === 'ip') return { kind: t, size: 16, align: 1 };
    if (!/^[ui](8|16|32|64)(be)?$/.test(t) || /^[ui]8be$/.test(t)) invalid(layout, `field ${f.name}: unknown type ${t}`);
    return { kind: 'int', scalar: t, size: scalarSize(t), align: scalarSize(t) };
  }
  const positive = (n: number) => Number.isInteger(n) && n > 0 && n <= 1 << 20;
  if (t.kind === 'bytes' || t.kind === 'cstring') {
    if (typeof t.length !== 'number' || !positive(t.length)) invalid(layout, `field ${f.name}: length must be a positive integer, got ${t.length}`);
    return { kind: t.kind, size: t.length, align: 1 };
  }
  if (t.kind === 'array') {
    if (!Array.isArray(t.dims) || t.dims.length === 0 || !t.dims.every(positive)) invalid(layout, `field ${f.name}: bad array dimensions [${t.dims}]`);
    if (t.of === 'ptr') invalid(layout, `field ${f.name}: an array of ptr is not a fixed-size type here`);
    const inner = shape(layout, { name: f.name, type: t.of });
    if (inner.kind !== 'int') invalid(layout, `field ${f.name}: arrays hold scalars`);
    const count = t.dims.reduce((a, b) => a * b, 1);
    return { kind: 'array', scalar: t.of, dims: [...t.dims], size: count * inner.size, align: inner.align };
  }
  invalid(layout, `field ${f.name}: unknown type ${JSON.stringify(t)}`);
}

/**
 * Resolves a layout's offsets and checks it: names, alignment, overlaps, size, tail.
 *
 * @example
 * const layout = defineLayout({ name: 'hit', fields: [{ name: 'pid', type: 'u32' }, { name: 'comm', type: cstring(16) }] });
 * @throws KwireError EINVAL_ARGUMENT naming what is wrong with the spec.
 */
export function defineLayout(spec: LayoutSpec): Layout {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new KwireError('EINVAL_ARGUMENT', `defineLayout(): the spec must be an object { name, fields: [{ name, type }, …] }, got ${spec === null ? 'null' : typeof spec}`);
  }
  const name = spec.name;
  if (typeof name !== 'string' || !IDENT.test(name)) invalid(String(name), 'the name must be an identifier');
  if (!Array.isArray(spec.fields)) invalid(name, 'fields must be an array of { name, type } (e.g. [{ name: \'pid\', type: \'u32\' }])');
  if (spec.fields.length === 0) invalid(name, 'no fields');
  if (isExtended(spec)) return defineExtended(spec);
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

// ---- Variable fields, pointer widths, unions ------------------------------------------------------

const isPtrType = (t: unknown) => t === 'ptr' || (typeof t === 'object' && t !== null && (t as { kind?: unknown }).kind === 'array' && (t as { of?: unknown }).of === 'ptr');
const isVarType = (t: unknown) =>
  t === 'sid' || (typeof t === 'object' && t !== null && ((t as { kind?: unknown }).kind === 'string' || ((t as { kind?: unknown }).kind === 'bytes' && typeof (t as { length?: unknown }).length !== 'number')));

function isExtended(spec: LayoutSpec): boolean {
  const any = (fs: unknown) => Array.isArray(fs) && fs.some((f) => typeof f === 'object' && f !== null && (isPtrType((f as FieldSpec).type) || isVarType((f as FieldSpec).type)));
  return spec.pointer !== undefined || spec.union !== undefined || spec.packed !== undefined || any(spec.fields);
}

/**
 * Whether the layout decodes into a string heap (a tail or variable fields).
 *
 * @example
 * hasHeap(defineLayout({ name: 'x', fields: [{ name: 'a', type: 'u32' }] })) // false
 */
export const hasHeap = (l: Layout): boolean => !!l.tail || !!l.vars?.some((v) => v.column) || !!l.union?.variants.some((v) => v.vars.some((x) => x.column));
/**
 * Whether it is a layout with variable fields, pointer widths or a union (decoded by the general path).
 *
 * @example
 * isExtendedLayout(defineLayout({ name: 'p', fields: [{ name: 's', type: utf8() }] })) // true
 */
export const isExtendedLayout = (l: Layout): boolean => !!(l.vars || l.union || l.pointer || l.packed);
export const pascal = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

const lengthTypes = ['u8', 'u16', 'u32'];

interface Resolved {
  fields: Field[];
  vars: VarField[];
  end: number;
  end32: number;
  align: number;
}

/** Fixed then variable fields of the head or of a variant (`where`: '' or 'variant x: '). */
function resolveFields(layout: string, where: string, specs: readonly FieldSpec[], o: { packed: boolean; pointer: boolean; names: Set<string>; lookup: (n: string) => Field | undefined }): Resolved {
  const fields: Field[] = [];
  const vars: VarField[] = [];
  let end = 0;
  let end32 = 0;
  let align = 1;
  let seenPtr: string | undefined;
  const bad = (f: FieldSpec | string, m: string): never => invalid(layout, `${where}field ${typeof f === 'string' ? f : f.name}: ${m}`);
  for (const f of specs) {
    if (typeof f !== 'object' || f === null) invalid(layout, `${where}each field must be an object { name, type }, got ${f === null ? 'null' : typeof f}`);
    if (typeof f.name !== 'string' || !IDENT.test(f.name)) invalid(layout, `${where}field name ${JSON.stringify(f.name)} is not an identifier`);
    if (o.names.has(f.name)) invalid(layout, `${where}field ${f.name} declared twice`);
    o.names.add(f.name);
    const t = f.type;
    if (isVarType(t)) {
      if (f.offset !== undefined) bad(f, 'a variable field has no offset (it starts where the previous one ends)');
      if (f.oneOf || f.zero || f.as) bad(f, 'oneOf, zero and as are for fixed fields');
      let v: VarField;
      const column = f.column !== false;
      if (t === 'sid') {
        if (!o.pointer) bad(f, "a sid holds pointers: declare the layout's pointer: { flag }");
        v = { name: f.name, c: f.c ?? snake(f.name), kind: 'sid', length: 'sid', unit: 1, column };
      } else {
        const s = t as StringType | { kind: 'bytes'; length: VarLength };
        const enc = s.kind === 'string' ? (s as StringType).encoding : undefined;
        if (s.kind === 'string' && enc !== 'utf8' && enc !== 'utf16le') bad(f, `encoding must be 'utf8' or 'utf16le', got ${JSON.stringify(enc)}`);
        const len = s.length;
        let length: VarField['length'] = 'nul';
        if (len === undefined) {
          if (s.kind === 'bytes') bad(f, 'variable bytes need a length');
          length = 'nul';
        } else if (typeof len === 'string') {
          if (!lengthTypes.includes(len)) bad(f, `length must be 'u8', 'u16', 'u32' or { field }, got ${JSON.stringify(len)}`);
          length = len as 'u8' | 'u16' | 'u32';
        } else if (typeof len === 'object' && len !== null && typeof (len as { field?: unknown }).field === 'string') {
          const g = o.lookup((len as { field: string }).field) ?? fields.find((x) => x.name === (len as { field: string }).field);
          if (!g || g.kind !== 'int' || isSigned(g.scalar!) || isBigEndian(g.scalar!) || g.size > 4) bad(f, `length field ${(len as { field: string }).field} must be a fixed unsigned little-endian field of at most 32 bits declared before it`);
          length = { field: (len as { field: string }).field };
        } else bad(f, `length must be 'u8', 'u16', 'u32' or { field }, got ${JSON.stringify(len)}`);
        const unitName = s.kind === 'string' ? (s as StringType).unit ?? 'bytes' : 'bytes';
        if (unitName !== 'bytes' && unitName !== 'units') bad(f, `unit must be 'bytes' or 'units', got ${JSON.stringify(unitName)}`);
        if (unitName === 'units' && length === 'nul') bad(f, 'unit needs a length');
        v = { name: f.name, c: f.c ?? snake(f.name), kind: s.kind, ...(enc ? { encoding: enc } : {}), length: length!, unit: unitName === 'units' && enc === 'utf16le' ? 2 : 1, column };
      }
      vars.push(v);
      continue;
    }
    if (vars.length > 0) bad(f, `fixed fields go before the variable ones (${vars[0]!.name})`);
    const ptr = isPtrType(t);
    if (ptr && !o.pointer) bad(f, "ptr fields need the layout's pointer: { flag } (the frame flag bit of a 32-bit writer)");
    let s: ReturnType<typeof shape>;
    let s32: { size: number; align: number };
    if (ptr) {
      const dims = t === 'ptr' ? undefined : (t as { dims: number[] }).dims;
      if (dims !== undefined && (!Array.isArray(dims) || dims.length === 0 || !dims.every((n) => Number.isInteger(n) && n > 0 && n <= 1 << 16))) bad(f, `bad array dimensions [${dims}]`);
      const count = (dims ?? []).reduce((a, b) => a * b, 1);
      s = { kind: 'ptr', ...(dims ? { dims: [...dims] } : {}), size: 8 * count, align: 8 };
      s32 = { size: 4 * count, align: 4 };
      seenPtr ??= f.name;
    } else {
      s = shape(layout, f);
      s32 = s;
    }
    const a = o.packed ? 1 : s.align;
    const a32 = o.packed ? 1 : s32.align;
    if (f.offset !== undefined && seenPtr !== undefined) bad(f, `an offset after a ptr field (${seenPtr}) depends on the pointer width: leave it computed`);
    const offset = f.offset ?? Math.ceil(end / a) * a;
    const offset32 = f.offset ?? Math.ceil(end32 / a32) * a32;
    if (!Number.isInteger(offset) || offset < 0) bad(f, `bad offset ${offset}`);
    if (offset % a !== 0) bad(f, `offset ${offset} is not a multiple of its alignment ${a}`);
    const clash = fields.find((g) => offset < g.offset + g.size && g.offset < offset + s.size) ?? (o.pointer ? fields.find((g) => offset32 < g.offset32! + g.size32! && g.offset32! < offset32 + s32.size) : undefined);
    if (clash) bad(f, `(${offset}..${offset + s.size}) overlaps ${clash.name} (${clash.offset}..${clash.offset + clash.size})`);
    if (f.oneOf && (s.kind !== 'int' || f.oneOf.length === 0 || !f.oneOf.every(Number.isSafeInteger))) bad(f, 'oneOf needs an integer field and integer values');
    if (f.as !== undefined && (f.as !== 'f64' || !((s.kind === 'int' && s.size === 8) || s.kind === 'ptr'))) bad(f, "as 'f64' needs a 64-bit integer or ptr field");
    if (f.zero && ptr) bad(f, 'zero is for fixed-size fields');
    fields.push({
      name: f.name, c: f.c ?? snake(f.name), kind: s.kind, ...(s.scalar ? { scalar: s.scalar } : {}), ...(s.dims ? { dims: s.dims } : {}), offset, size: s.size, align: a,
      column: f.column !== false, ...(f.oneOf ? { oneOf: [...f.oneOf] } : {}), ...(f.zero ? { zero: true } : {}), ...(f.as ? { float: true } : {}),
      ...(o.pointer ? { offset32, size32: s32.size } : {}),
    });
    end = Math.max(end, offset + s.size);
    end32 = Math.max(end32, offset32 + s32.size);
    align = Math.max(align, a);
  }
  fields.sort((x, y) => x.offset - y.offset);
  return { fields, vars, end, end32, align };
}

function tagRange(f: Field): [number, number] {
  const bits = f.size * 8;
  return isSigned(f.scalar!) ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

function defineExtended(spec: LayoutSpec): Layout {
  const name = spec.name;
  if (spec.tail) invalid(name, 'a tail is for fixed layouts: declare variable fields (utf8(), …) instead');
  if (spec.derived) invalid(name, 'derived columns are for fixed layouts');
  if (spec.filter && !spec.hooks) invalid(name, 'a filter needs the hooks module that exports it');
  if (spec.packed !== undefined && spec.packed !== true) invalid(name, `packed must be true, got ${JSON.stringify(spec.packed)}`);
  if (spec.trailing !== undefined && spec.trailing !== 'ignore' && spec.trailing !== 'reject') invalid(name, `trailing must be 'reject' or 'ignore', got ${JSON.stringify(spec.trailing)}`);
  const pointer = spec.pointer;
  if (pointer !== undefined) {
    const flag = typeof pointer === 'object' && pointer !== null ? (pointer as { flag?: unknown }).flag : undefined;
    if (typeof flag !== 'number' || !Number.isInteger(flag) || flag <= 0 || flag >= 0x8000 || (flag & (flag - 1)) !== 0) {
      invalid(name, `pointer.flag must be one frame flag bit (0x1 … 0x4000; 0x8000 marks a wrap), got ${JSON.stringify(flag)}`);
    }
  }
  const packed = spec.packed === true;
  const hasPointer = pointer !== undefined;
  const names = new Set<string>();
  const head = resolveFields(name, '', spec.fields, { packed, pointer: hasPointer, names, lookup: () => undefined });
  if (hasPointer && spec.size !== undefined) invalid(name, 'the size of a layout with a pointer flag is computed per pointer width');
  const size = spec.size ?? head.end;
  if (!Number.isInteger(size) || size < head.end) invalid(name, `size ${size} is smaller than the fields' end ${head.end}`);
  const columnNames = new Set<string>();
  const claim = (col: string, what: string) => {
    if (columnNames.has(col)) invalid(name, `${what}: its column ${col} clashes with another column`);
    columnNames.add(col);
  };
  for (const f of head.fields) if (f.column) claim(f.name, `field ${f.name}`);
  for (const v of head.vars) if (v.column) claim(`${v.name}Offset`, `field ${v.name}`), claim(`${v.name}Length`, `field ${v.name}`);
  let union: Union | undefined;
  let anyPtr = head.fields.some((f) => f.kind === 'ptr') || head.vars.some((v) => v.kind === 'sid');
  if (spec.union !== undefined) {
    const u = spec.union;
    if (typeof u !== 'object' || u === null) invalid(name, 'union must be { on, variants: { name: { tag, fields } } }');
    if (head.vars.length > 0) invalid(name, `union: the head's variable field ${head.vars[0]!.name} would hide where the variants start: declare variable fields in the variants`);
    const on = typeof u.on === 'string' ? [u.on] : Array.isArray(u.on) ? [...u.on] : [];
    if (on.length === 0) invalid(name, "union.on must name a head field or a list of them (e.g. on: 'what')");
    const onFields = on.map((n) => {
      const f = head.fields.find((g) => g.name === n);
      if (!f || f.kind !== 'int' || f.size > 4) invalid(name, `union.on: ${n} must be a head integer field of at most 32 bits`);
      return f;
    });
    if (u.unknown !== undefined && u.unknown !== 'skip') invalid(name, `union.unknown must be 'skip', got ${JSON.stringify(u.unknown)}`);
    if (u.at !== undefined) {
      if (!Number.isInteger(u.at) || u.at < 0) invalid(name, `union.at must be a byte offset, got ${JSON.stringify(u.at)}`);
      if (head.fields.some((f) => f.kind === 'ptr')) invalid(name, 'union.at: the head has a ptr field, so the variants start at its end (per pointer width): leave at out');
    }
    const at = u.at ?? size;
    const at32 = u.at ?? head.end32;
    if (typeof u.variants !== 'object' || u.variants === null || Object.keys(u.variants).length === 0) invalid(name, 'union.variants must name at least one variant');
    if (Object.keys(u.variants).length > 65535) invalid(name, 'union: too many variants');
    const seen = new Map<string, string>();
    const variants: Variant[] = [];
    claim('variant', 'union');
    for (const [vn, vs] of Object.entries(u.variants)) {
      if (!IDENT.test(vn)) invalid(name, `union variant ${JSON.stringify(vn)}: the name must be an identifier`);
      if (typeof vs !== 'object' || vs === null || !Array.isArray(vs.fields)) invalid(name, `variant ${vn}: must be { tag, fields: [...] }`);
      const raw = vs.tag;
      const list: unknown[] = on.length === 1 ? (Array.isArray(raw) ? raw.map((x) => [x]) : [[raw]]) : Array.isArray(raw) && raw.every(Array.isArray) ? raw : [raw];
      const tags = list.map((t) => {
        if (!Array.isArray(t) || t.length !== on.length) invalid(name, `variant ${vn}: tag must be ${on.length === 1 ? 'a number or a list of numbers' : `a list of ${on.length} numbers (${on.join(', ')}) or a list of such lists`}, got ${JSON.stringify(raw)}`);
        t.forEach((x, k) => {
          const [lo, hi] = tagRange(onFields[k]!);
          if (!Number.isInteger(x) || (x as number) < lo || (x as number) > hi) invalid(name, `variant ${vn}: tag value ${JSON.stringify(x)} does not fit ${onFields[k]!.name} (${onFields[k]!.scalar})`);
        });
        const key = JSON.stringify(t);
        if (seen.has(key)) invalid(name, `variant ${vn}: tag ${key} is also ${seen.get(key)}'s`);
        seen.set(key, vn);
        return [...(t as number[])];
      });
      if (tags.length === 0) invalid(name, `variant ${vn}: no tag`);
      const vnames = new Set([...names, 'variant']);
      const r = resolveFields(name, `variant ${vn}: `, vs.fields, { packed, pointer: hasPointer, names: vnames, lookup: (n) => head.fields.find((f) => f.name === n) });
      if (hasPointer && vs.size !== undefined && r.fields.some((f) => f.kind === 'ptr')) invalid(name, `variant ${vn}: its size is computed per pointer width`);
      const vsize = vs.size ?? r.end;
      if (!Number.isInteger(vsize) || vsize < r.end) invalid(name, `variant ${vn}: size ${vsize} is smaller than its fields' end ${r.end}`);
      for (const f of r.fields) if (f.column) claim(`${vn}${pascal(f.name)}`, `variant ${vn}: field ${f.name}`);
      for (const v of r.vars) if (v.column) claim(`${vn}${pascal(v.name)}Offset`, `variant ${vn}: field ${v.name}`), claim(`${vn}${pascal(v.name)}Length`, `variant ${vn}: field ${v.name}`);
      anyPtr ||= r.fields.some((f) => f.kind === 'ptr') || r.vars.some((v) => v.kind === 'sid');
      variants.push({ name: vn, tags, size: vsize, ...(hasPointer ? { size32: vs.size ?? r.end32 } : {}), fields: r.fields, vars: r.vars });
    }
    union = { on, at, ...(hasPointer ? { at32 } : {}), unknown: 'skip', variants };
  }
  if (hasPointer && !anyPtr) invalid(name, 'pointer: no ptr or sid field needs it');
  const vars = head.vars;
  if (vars.some((v) => v.column) || union?.variants.some((v) => v.vars.some((x) => x.column))) claim('strings', 'the string heap');
  return {
    name, struct: spec.struct ?? `${snake(name)}_event`, size, align: head.align, fields: head.fields,
    ...(spec.trailing === 'ignore' ? { trailing: 'ignore' as const } : {}),
    ...(spec.hooks ? { hooks: spec.hooks } : {}),
    ...(spec.filter ? { filter: spec.filter } : {}),
    ...(packed ? { packed: true as const } : {}),
    ...(pointer ? { pointer: { flag: pointer.flag }, size32: head.end32 } : {}),
    ...(vars.length ? { vars } : {}),
    ...(union ? { union } : {}),
  };
}

/**
 * A stable identity of a layout (and `extra`): 16 hex digits, for cache keys and drift messages.
 *
 * @example
 * const key = layoutHash(layout, 'v2');
 */
export function layoutHash(layout: Layout, extra = ''): string {
  return createHash('sha256').update(JSON.stringify(layout)).update(extra).digest('hex').slice(0, 16);
}

/**
 * The differences between two layouts (empty when they agree), as readable lines.
 *
 * @example
 * const drift = compareLayouts(declared, layoutFromBtf('bpf/.output/exec.bpf.o', 'exec_event'));
 */
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
