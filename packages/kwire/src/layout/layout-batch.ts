// The batch of a runtime-defined decoder (defineDecoder): columns by name, rows built on demand.
// Built-in records use generated, typed column code instead (packages/kwire/src/generated/).
import type { Batch } from '../pipeline/batch.js';
import type { DecoderInstance } from '../pipeline/decoders.js';
import { layoutColumns, typedArrayName, type Column } from './columns.js';
import { slabLayout } from './gen-assembly.js';
import { hasHeap, isExtendedLayout, type Layout } from './layout.js';
import { takeSlab } from './slab.js';
import { fieldValue, nulSeparated, varValue } from './values.js';

type Ctor = new (buffer: ArrayBufferLike, offset: number, length: number) => ArrayLike<number | bigint> & { slice(): never };
const ctors = { Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, BigUint64Array, BigInt64Array, Float64Array } as unknown as Record<string, Ctor>;

type Exports = Record<string, (...args: number[]) => number>;

/**
 * The batch of a decoder made by {@link defineDecoder}: typed-array columns by name, and each record as
 * a row object (`get`, iteration) built on demand.
 *
 * @example
 * source({ object: 'hello.bpf.o', map: 'events', decoder }).subscribe((batch) => { for (const row of batch) console.log(row); });
 */
export class LayoutBatch<Row = Record<string, unknown>> implements Batch<Row> {
  private readonly fieldColumns: Column[];
  /** Extended layouts: the head's columns (fields, variable-field offsets), then each variant's. */
  private readonly head?: Column[];
  private readonly variants?: { name: string; columns: Column[] }[];

  /** A batch of `length` records of `layout` over `columns` (as the decoder's `batch` builds it). */
  constructor(
    readonly layout: Layout,
    readonly length: number,
    /** Typed arrays by column name: one element per record for integers, `width` bytes (or
     *  elements, for arrays) per record otherwise; `<tail>Offset`, `<tail>Length` and `strings` for a tail. */
    readonly columns: Readonly<Record<string, ArrayLike<number | bigint>>>,
  ) {
    const all = layoutColumns(layout);
    this.fieldColumns = all.filter((c) => c.role === 'field');
    if (isExtendedLayout(layout)) {
      const mine = (c: Column) => c.role === 'field' || c.role === 'varOffset';
      this.head = all.filter((c) => mine(c) && !c.variant);
      this.variants = layout.union?.variants.map((v) => ({ name: v.name, columns: all.filter((c) => mine(c) && c.variant === v) }));
    }
  }

  /** Row values of `columns` (fields and variable fields) of record i into `row`, by field name. */
  private fill(row: Record<string, unknown>, columns: readonly Column[], i: number): void {
    for (const c of columns) {
      if (c.role === 'field') row[c.field!.name] = fieldValue(c.field!, this.columns[c.name]!, i);
      else {
        const stem = c.name.slice(0, -'Offset'.length);
        const at = Number(this.columns[c.name]![i]);
        row[c.varField!.name] = varValue(c.varField!, this.columns.strings as Uint8Array, at, Number(this.columns[`${stem}Length`]![i]));
      }
    }
  }

  /** The tail's strings of record i (empty for a layout without a tail). */
  tail(i: number): string[] {
    const t = this.layout.tail;
    if (!t) return [];
    const start = Number(this.columns[`${t.name}Offset`]![i]);
    return nulSeparated(this.columns.strings as Uint8Array, start, start + Number(this.columns[`${t.name}Length`]![i]));
  }

  /**
   * Record i as a row object, by field name.
   *
   * @throws RangeError when i is not an index of the batch.
   */
  get(i: number): Row {
    if (i >>> 0 !== i || i >= this.length) throw new RangeError(`index ${i} out of batch of ${this.length}`); // also -1, 1.5, NaN
    const row: Record<string, unknown> = {};
    if (this.head) {
      this.fill(row, this.head, i);
      if (this.variants) {
        const v = this.variants[Number(this.columns.variant![i])]!;
        row.variant = v.name;
        this.fill(row, v.columns, i);
      }
      return row as Row;
    }
    for (const c of this.fieldColumns) row[c.name] = fieldValue(c.field!, this.columns[c.name]!, i);
    if (this.layout.tail) row[this.layout.tail.name] = this.tail(i);
    return row as Row;
  }

  /** Every record as a row object, in order. */
  *[Symbol.iterator](): Iterator<Row> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Copies `n` decoded records out of the decoder instance's memory. */
  static fromDecoder<Row>(layout: Layout, d: DecoderInstance, n: number): LayoutBatch<Row> {
    return new LayoutBatch<Row>(layout, n, LayoutBatch.columnsFromDecoder(layout, d, n));
  }

  /** The columns of `n` decoded records, copied out of the decoder instance's memory in one copy (for
   *  a batch class over this layout's columns, as compileKind's KindBatch). */
  static columnsFromDecoder(layout: Layout, d: DecoderInstance, n: number): Record<string, ArrayLike<number | bigint>> {
    const x = d.exports as unknown as Exports;
    const { row, at } = slabLayout(layout);
    const heap = hasHeap(layout) ? x[`${layout.name}HeapUsed`]!() : 0;
    const s = takeSlab(d, x[`${layout.name}Pack`]!(n), row * n + heap);
    const columns: Record<string, ArrayLike<number | bigint>> = {};
    for (const c of layoutColumns(layout)) {
      const Array = ctors[typedArrayName[c.element]]!;
      const bytes = c.role === 'heap' ? heap : c.width * n;
      columns[c.name] = new Array(s.buffer, s.byteOffset + at.get(c.name)! * n, bytes / (Array as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
    }
    return columns;
  }
}
