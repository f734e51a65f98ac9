// The columns a layout decodes into, in order — shared by the generators and the runtime batch so the
// WASM decoder and TypeScript agree on ids and widths. Every field gets a column except the tail's size
// field (its value is the tail length column); a tail adds offset, length and string-heap columns.
import { baseType, scalarSize, type Field, type IntType, type Layout } from './layout.js';

export interface Column {
  /** TypeScript name (a field's name, or `<tail>Offset` / `<tail>Length` / `strings`). */
  readonly name: string;
  /** Bytes per record (0 for the string heap). */
  readonly width: number;
  /** Element type of the column's typed array. */
  readonly element: IntType;
  readonly field?: Field;
  readonly role: 'field' | 'tailOffset' | 'tailLength' | 'heap';
}

export function layoutColumns(layout: Layout): Column[] {
  const out: Column[] = [];
  for (const f of layout.fields) {
    if (f.name === layout.tail?.sizeField) continue;
    const element: IntType = f.kind === 'int' || f.kind === 'array' ? baseType(f.scalar!) : 'u8';
    out.push({ name: f.name, width: f.size, element, field: f, role: 'field' });
  }
  if (layout.tail) {
    out.push({ name: `${layout.tail.name}Offset`, width: 4, element: 'u32', role: 'tailOffset' });
    out.push({ name: `${layout.tail.name}Length`, width: 4, element: 'u32', role: 'tailLength' });
    out.push({ name: 'strings', width: 0, element: 'u8', role: 'heap' });
  }
  return out;
}

export const elementSize = (t: IntType): number => scalarSize(t);

/** Typed array class name for an element type. */
export const typedArrayName: Record<IntType, string> = {
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
