// The columns a layout decodes into, in order — shared by the generators and the runtime batch so the
// WASM decoder and TypeScript agree on ids and widths. Every field gets a column except the tail's size
// field (its value is the tail length column) and fields declared `column: false`; derived columns
// follow the fields; a tail adds offset, length and string-heap columns.
import { baseType, scalarSize, type DerivedSpec, type Field, type IntType, type Layout } from './layout.js';

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
  readonly role: 'field' | 'derived' | 'tailOffset' | 'tailLength' | 'heap';
}

export function layoutColumns(layout: Layout): Column[] {
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
