// BTF of a compiled BPF object, read in TypeScript (no bpftool at run time): the ELF64 section
// table, the `.BTF` section (include/uapi/linux/btf.h), and a struct from it as a Layout.
import { readFileSync } from 'node:fs';
import { KwireError } from '../errors.js';
import { checkInputFile, checkOptions, checkString, invalidArgument } from '../validate.js';
import { camel, defineLayout, type FieldSpec, type FieldType, type Layout, type ScalarType } from './layout.js';

export interface BtfType {
  kind: number;
  name: string;
  /** size (INT, STRUCT, UNION, ENUM, DATASEC, FLOAT) or referenced type id (PTR, TYPEDEF, CONST, …). */
  sizeOrType: number;
  kflag: boolean;
  /** INT: encoding bits (1 signed, 2 char, 4 bool), bit offset, bits. */
  int?: { encoding: number; offset: number; bits: number };
  array?: { type: number; nelems: number };
  members?: { name: string; type: number; bitOffset: number; bitSize: number }[];
}

export const BtfKind = { int: 1, ptr: 2, array: 3, struct: 4, union: 5, enum: 6, fwd: 7, typedef: 8, volatile: 9, const: 10, restrict: 11, func: 12, funcProto: 13, var: 14, datasec: 15, float: 16, declTag: 17, typeTag: 18, enum64: 19 } as const;

function bad(message: string): never {
  throw new KwireError('EINVAL_ARGUMENT', `layoutFromBtf(): ${message}`);
}

/**
 * The bytes of an ELF64 little-endian section by name (a view into `elf`), or undefined when it has none.
 *
 * @example
 * const btf = elfSection(readFileSync('bpf/.output/exec.bpf.o'), '.BTF');
 * @throws KwireError EINVAL_ARGUMENT for bytes that are not a 64-bit little-endian ELF file, or a
 *   truncated section table or section.
 */
export function elfSection(elf: Uint8Array, name: string): Uint8Array | undefined {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (elf.length < 64 || v.getUint32(0) !== 0x7f454c46) bad('not an ELF file');
  if (elf[4] !== 2 || elf[5] !== 1) bad('only 64-bit little-endian ELF objects are supported');
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  if (shoff + shnum * shentsize > elf.length || shstrndx >= shnum) bad('truncated ELF section table');
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: v.getUint32(at, true), offset: Number(v.getBigUint64(at + 0x18, true)), size: Number(v.getBigUint64(at + 0x20, true)) };
  };
  const strtab = section(shstrndx);
  const text = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    let end = strtab.offset + s.name;
    while (end < elf.length && elf[end] !== 0) end++;
    if (text.decode(elf.subarray(strtab.offset + s.name, end)) !== name) continue;
    if (s.offset + s.size > elf.length) bad(`ELF section ${name} runs past the end of the file`);
    return elf.subarray(s.offset, s.offset + s.size);
  }
  return undefined;
}

/**
 * Parses a .BTF section into its types, indexed by type id (id 0 is void).
 *
 * @example
 * const structs = parseBtf(elfSection(elf, '.BTF')!).filter((t) => t.kind === 4);
 * @throws KwireError EINVAL_ARGUMENT for no BTF magic, a truncated section or an unknown BTF kind;
 *   RangeError when a type runs past the end of the section.
 */
export function parseBtf(btf: Uint8Array): BtfType[] {
  const v = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (btf.length < 24 || v.getUint16(0, true) !== 0xeb9f) bad('no BTF magic (big-endian BTF is not supported)');
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true);
  const typeEnd = typeOff + v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const strEnd = strOff + v.getUint32(20, true);
  if (typeEnd > btf.length || strEnd > btf.length) bad('truncated BTF');
  const text = new TextDecoder();
  const str = (off: number) => {
    let end = strOff + off;
    while (end < strEnd && btf[end] !== 0) end++;
    return text.decode(btf.subarray(strOff + off, end));
  };
  const types: BtfType[] = [{ kind: 0, name: 'void', sizeOrType: 0, kflag: false }];
  let at = typeOff;
  while (at < typeEnd) {
    if (at + 12 > typeEnd) bad('truncated BTF type');
    const info = v.getUint32(at + 4, true);
    const t: BtfType = { kind: (info >>> 24) & 0x1f, name: str(v.getUint32(at, true)), sizeOrType: v.getUint32(at + 8, true), kflag: info >>> 31 === 1 };
    const vlen = info & 0xffff;
    at += 12;
    switch (t.kind) {
      case BtfKind.int: {
        const x = v.getUint32(at, true);
        t.int = { encoding: (x >>> 24) & 0xf, offset: (x >>> 16) & 0xff, bits: x & 0xff };
        at += 4;
        break;
      }
      case BtfKind.array:
        t.array = { type: v.getUint32(at, true), nelems: v.getUint32(at + 8, true) };
        at += 12;
        break;
      case BtfKind.struct:
      case BtfKind.union:
        t.members = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const off = v.getUint32(at + 8, true);
          t.members.push({ name: str(v.getUint32(at, true)), type: v.getUint32(at + 4, true), bitOffset: t.kflag ? off & 0xffffff : off, bitSize: t.kflag ? off >>> 24 : 0 });
        }
        break;
      case BtfKind.enum:
      case BtfKind.funcProto:
        at += 8 * vlen;
        break;
      case BtfKind.enum64:
      case BtfKind.datasec:
        at += 12 * vlen;
        break;
      case BtfKind.var:
      case BtfKind.declTag:
        at += 4;
        break;
      default:
        if (t.kind < 1 || t.kind > 19) bad(`unknown BTF kind ${t.kind}`);
    }
    types.push(t);
  }
  return types;
}

export interface BtfImportOptions {
  /** Layout name; default: the struct name in camelCase without a trailing `_event`. */
  name?: string;
  /** Field types to use instead of the imported ones, by C member name (e.g. { saddr: 'ip4' }). */
  as?: Record<string, FieldType>;
  /** The head member holding the tail's byte length; default: `<tail>_size` or `<tail>_len`. */
  tailSize?: string;
}

const tsName = (c: string) => camel(c.replace(/\./g, '_'));
const qualifiers: number[] = [BtfKind.typedef, BtfKind.volatile, BtfKind.const, BtfKind.restrict, BtfKind.typeTag];

/**
 * The layout of struct `struct` in the BTF of an ELF object (its bytes or a path), with `options.as`
 * overriding the imported field types.
 *
 * @example
 * const layout = layoutFromBtf('hello.bpf.o', 'hello_event', { as: { saddr: 'ip4' } });
 * @throws KwireError EINVAL_ARGUMENT for a bad argument, an unreadable file, no ELF or BTF, no such
 *   struct, or a member that no layout field type can hold.
 */
export function layoutFromBtf(object: Uint8Array | string, struct: string, options: BtfImportOptions = {}): Layout {
  const fn = 'layoutFromBtf()';
  if (!(typeof object === 'string' && object !== '') && !(object instanceof Uint8Array)) invalidArgument(fn, `object must be a path to a BPF object or its bytes, got ${object === null ? 'null' : typeof object}`);
  checkString(fn, 'struct', struct);
  checkOptions(fn, options);
  checkOptions(fn, options.as, 'as');
  if (options.name !== undefined) checkString(fn, 'name', options.name);
  if (options.tailSize !== undefined) checkString(fn, 'tailSize', options.tailSize);
  if (typeof object === 'string') checkInputFile(fn, 'BPF object', object);
  const elf = typeof object === 'string' ? readFileSync(object) : object;
  const where = typeof object === 'string' ? object : 'the object';
  let types: BtfType[];
  try {
    types = parseBtf(elfSection(elf, '.BTF') ?? bad(`${where} has no .BTF section (compile it with clang -g)`));
  } catch (error) {
    if (error instanceof RangeError) bad(`${where}: malformed ELF or BTF (${error.message})`);
    if (error instanceof KwireError && error.message === 'layoutFromBtf(): not an ELF file') bad(`${where} is not an ELF file (want a BPF object: clang -g -O2 -target bpf -c x.bpf.c)`);
    throw error;
  }
  const id = types.findIndex((t) => t.kind === BtfKind.struct && t.name === struct);
  if (id < 0) bad(`no struct ${struct} in the BTF of ${where} (its structs: bpftool btf dump file ${where} | grep STRUCT)`);
  const top = types[id]!;
  const fields: FieldSpec[] = [];
  let tail: { name: string; c: string } | undefined;

  // Follows typedefs and qualifiers, noting a __be16/__be32/__be64 typedef on the way.
  const resolve = (tid: number): { t: BtfType; bigEndian: boolean; typedefs: string[] } => {
    const typedefs: string[] = [];
    let t = types[tid] ?? bad(`BTF type ${tid} out of range`);
    for (let hops = 0; qualifiers.includes(t.kind); hops++) {
      if (hops > 64) bad(`BTF type ${tid}: a cycle of typedefs or qualifiers`);
      if (t.kind === BtfKind.typedef) typedefs.push(t.name);
      t = types[t.sizeOrType] ?? bad(`BTF type ${t.sizeOrType} out of range`);
    }
    return { t, bigEndian: typedefs.some((n) => /^__be(16|32|64)$/.test(n)), typedefs };
  };
  const scalarOf = (tid: number, what: string): ScalarType | undefined => {
    const { t, bigEndian } = resolve(tid);
    let size: number, signed: boolean;
    if (t.kind === BtfKind.int) {
      if (t.int!.offset !== 0 || t.int!.bits !== t.sizeOrType * 8) bad(`${what}: bitfield integers are not supported`);
      size = t.sizeOrType;
      signed = (t.int!.encoding & 1) !== 0;
    } else if (t.kind === BtfKind.enum || t.kind === BtfKind.enum64) {
      size = t.sizeOrType;
      signed = t.kflag;
    } else if (t.kind === BtfKind.ptr) {
      return 'u64';
    } else return undefined;
    if (![1, 2, 4, 8].includes(size)) bad(`${what}: ${size}-byte integers are not supported`);
    return `${signed ? 'i' : 'u'}${size * 8}${bigEndian && size > 1 ? 'be' : ''}` as ScalarType;
  };
  const isChar = (tid: number) => {
    const { t, typedefs } = resolve(tid);
    return t.kind === BtfKind.int && t.sizeOrType === 1 && ((t.int!.encoding & 2) !== 0 || t.name === 'char') && !typedefs.some((n) => /^(__)?u8$|^uint8_t$/.test(n));
  };

  const walk = (s: BtfType, base: number, prefix: string, depth = 0) => {
    if (depth > 16) bad(`${struct}: structs nested deeper than 16`);
    for (const m of s.members!) {
      const c = prefix + m.name; // nested members: outer.inner (C syntax, valid in offsetof)
      if (m.bitSize !== 0 || m.bitOffset % 8 !== 0) bad(`${struct}.${c}: bitfields are not supported`);
      const offset = base + m.bitOffset / 8;
      const override = options.as?.[c];
      const { t } = resolve(m.type);
      if (override) {
        fields.push({ name: tsName(c), c, type: override, offset });
        continue;
      }
      const scalar = scalarOf(m.type, `${struct}.${c}`);
      if (scalar) {
        fields.push({ name: tsName(c), c, type: scalar, offset });
      } else if (t.kind === BtfKind.array) {
        const dims: number[] = [];
        let elem = t;
        while (elem.kind === BtfKind.array) {
          if (dims.length > 8) bad(`${struct}.${c}: arrays nested deeper than 8`);
          dims.push(elem.array!.nelems);
          const inner = resolve(elem.array!.type).t;
          if (inner.kind !== BtfKind.array) break;
          elem = inner;
        }
        const elemId = elem.array!.type;
        if (dims.length === 1 && dims[0] === 0 && s === top && m === s.members!.at(-1)) {
          tail = { name: camel(c), c }; // flexible array member: the variable tail
          continue;
        }
        const count = dims.reduce((a, b) => a * b, 1);
        if (count === 0) bad(`${struct}.${c}: zero-length arrays are only supported as the last member`);
        const of = scalarOf(elemId, `${struct}.${c}`) ?? bad(`${struct}.${c}: arrays of ${resolve(elemId).t.name || 'this type'} are not supported`);
        const type: FieldType = dims.length === 1 && isChar(elemId) ? { kind: 'cstring', length: count } : of === 'u8' || of === 'i8' ? { kind: 'bytes', length: count } : { kind: 'array', of, dims };
        fields.push({ name: tsName(c), c, type, offset });
      } else if (t.kind === BtfKind.struct && (t.name === 'in6_addr' || t.name === 'in_addr')) {
        fields.push({ name: tsName(c), c, type: t.name === 'in6_addr' ? 'ip6' : 'ip4', offset });
      } else if (t.kind === BtfKind.struct) {
        walk(t, offset, `${c}.`, depth + 1); // nested struct: its members flattened (outerInner in TypeScript)
      } else if (t.kind === BtfKind.union) {
        fields.push({ name: tsName(c), c, type: { kind: 'bytes', length: t.sizeOrType }, offset });
      } else bad(`${struct}.${c}: BTF kind ${t.kind} is not supported in a record`);
    }
  };
  walk(top, 0, '');
  const members = fields.map((f) => f.c);
  const stray = Object.keys(options.as ?? {}).filter((c) => !members.includes(c));
  if (stray.length > 0) bad(`as: struct ${struct} has no member ${stray.join(', ')} (its members: ${members.join(', ')})`);
  if (options.tailSize !== undefined && !tail) bad(`tailSize: struct ${struct} has no flexible array member (a trailing x[]) for ${options.tailSize} to size`);
  if (options.tailSize !== undefined && !members.includes(options.tailSize)) bad(`tailSize: struct ${struct} has no member ${options.tailSize} (its members: ${members.join(', ')})`);
  const name = options.name ?? camel(struct.replace(/_event$/, '') || struct);
  const t = tail as { name: string; c: string } | undefined;
  let tailSpec;
  if (t) {
    const sizeC = options.tailSize ?? [`${t.c}_size`, `${t.c}_len`].find((n) => fields.some((f) => f.c === n));
    const sizeField = fields.find((f) => f.c === sizeC) ?? bad(`${struct}.${t.c}: a flexible array member needs a size field (${t.c}_size or ${t.c}_len, or tailSize)`);
    tailSpec = { name: t.name, c: t.c, sizeField: sizeField.name };
  }
  return defineLayout({ name, struct, size: top.sizeOrType, fields, ...(tailSpec ? { tail: tailSpec } : {}) });
}
