// The columns a layout decodes into, in order — shared by the generators and the runtime batch so the
// WASM decoder and TypeScript agree on ids and widths. Every field gets a column except the tail's size
// field (its value is the tail length column) and fields declared `column: false`; derived columns
// follow the fields; a tail adds offset, length and string-heap columns.
import { baseType, hasHeap, isExtendedLayout, pascal, scalarSize, type DerivedSpec, type Field, type IntType, type Layout, type Variant, type VarField } from './layout.js';

/** A column's element type: an integer, or f64 for a 64-bit integer declared `as: 'f64'`. */
export type ElementType = IntType | 'f64';

export interface Column {
  /** TypeScript name (a field's name, or `<tail>Offset` / `<tail>Length` / `strings`). */
  readonly name: string;
  /** Bytes per record (0 for the string heap). */
  readonly width: number;
  /** Element type of the column's typed array. */
  readonly element: ElementType;
  readonly field?: Field;
  readonly derived?: DerivedSpec;
  readonly role: 'field' | 'derived' | 'tailOffset' | 'tailLength' | 'heap' | 'varOffset' | 'varLength' | 'variant';
  /** The variable field of a varOffset/varLength column. */
  readonly varField?: VarField;
  /** The union variant a field or variable field belongs to. */
  readonly variant?: Variant;
}

const fieldElement = (f: Field): ElementType => (f.float ? 'f64' : f.kind === 'ptr' ? 'u64' : f.kind === 'int' || f.kind === 'array' ? baseType(f.scalar!) : 'u8');

/** Columns of a layout with variable fields, pointer widths or a union: the head's fields, its variable
 *  fields' offset/length pairs, `variant`, each variant's `<variant><Field>` columns, the string heap. */
function extendedColumns(layout: Layout): Column[] {
  const out: Column[] = [];
  const add = (prefix: string, fields: readonly Field[], vars: readonly VarField[], variant?: Variant) => {
    const n = (x: string) => (prefix ? `${prefix}${pascal(x)}` : x);
    for (const f of fields) if (f.column) out.push({ name: n(f.name), width: f.size, element: fieldElement(f), field: f, role: 'field', ...(variant ? { variant } : {}) });
    for (const v of vars) {
      if (!v.column) continue;
      out.push({ name: `${n(v.name)}Offset`, width: 4, element: 'u32', varField: v, role: 'varOffset', ...(variant ? { variant } : {}) });
      out.push({ name: `${n(v.name)}Length`, width: 4, element: 'u32', varField: v, role: 'varLength', ...(variant ? { variant } : {}) });
    }
  };
  add('', layout.fields, layout.vars ?? []);
  const u = layout.union;
  if (u) {
    const wide = u.variants.length > 255;
    out.push({ name: 'variant', width: wide ? 2 : 1, element: wide ? 'u16' : 'u8', role: 'variant' });
    for (const v of u.variants) add(v.name, v.fields, v.vars, v);
  }
  if (hasHeap(layout)) out.push({ name: 'strings', width: 0, element: 'u8', role: 'heap' });
  return out;
}

export function layoutColumns(layout: Layout): Column[] {
  if (isExtendedLayout(layout)) return extendedColumns(layout);
  const out: Column[] = [];
  for (const f of layout.fields) {
    if (f.name === layout.tail?.sizeField || !f.column) continue;
    const element: ElementType = f.float ? 'f64' : f.kind === 'int' || f.kind === 'array' ? baseType(f.scalar!) : 'u8';
    out.push({ name: f.name, width: f.size, element, field: f, role: 'field' });
  }
  for (const d of layout.derived ?? []) out.push({ name: d.name, width: scalarSize(d.type), element: d.type, derived: d, role: 'derived' });
  if (layout.tail) {
    out.push({ name: `${layout.tail.name}Offset`, width: 4, element: 'u32', role: 'tailOffset' });
    out.push({ name: `${layout.tail.name}Length`, width: 4, element: 'u32', role: 'tailLength' });
    out.push({ name: 'strings', width: 0, element: 'u8', role: 'heap' });
  }
  return out;
}

export const elementSize = (t: ElementType): number => (t === 'f64' ? 8 : scalarSize(t));

/** Typed array class name for an element type. */
export const typedArrayName: Record<ElementType, string> = {
  f64: 'Float64Array',
  u8: 'Uint8Array',
  i8: 'Int8Array',
  u16: 'Uint16Array',
  i16: 'Int16Array',
  u32: 'Uint32Array',
  i32: 'Int32Array',
  u64: 'BigUint64Array',
  i64: 'BigInt64Array',
};

/** UPPER_SNAKE of a camelCase name. */
export const upper = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Columns in the order of their bytes in a batch's slab: widest elements first, so that every column
 *  starts aligned for its element type whatever the record count (the string heap last). */
export function slabOrder(columns: readonly Column[]): Column[] {
  const rank = (c: Column) => (c.role === 'heap' ? 0 : elementSize(c.element));
  return columns.map((c, i) => ({ c, i })).sort((a, b) => rank(b.c) - rank(a.c) || a.i - b.i).map(({ c }) => c);
}
