// Which columns of a flow batch a top-talker key is made of, and how a key's bytes read back.
import { formatIp } from '../platform/ip.js';
import { invalidArgument } from '../validate.js';

/** A key column's value in a result row: text for addresses, numbers, bigint for 64-bit columns. */
export type KeyValue = string | number | bigint;

export interface KeyColumn {
  name: string;
  width: number;
  /** The column of a batch, as bytes per record of `width`. */
  column(batch: object): ArrayBufferView;
  read(view: DataView, at: number, bytes: Uint8Array): KeyValue;
}

const widths: Record<string, number> = { Uint8Array: 1, Int8Array: 1, Uint16Array: 2, Int16Array: 2, Uint32Array: 4, Int32Array: 4, Float32Array: 4, BigUint64Array: 8, BigInt64Array: 8, Float64Array: 8 };

/** The key columns named in `by`, found on a sample batch: `srcAddr`/`dstAddr` (16 raw bytes each,
 *  the batch's `<name>Bytes`), or any typed-array column (`dstPort`, `proto`, `netns`, `cgroupId`…). */
export function keyColumns(fn: string, by: readonly string[], sample: object): KeyColumn[] {
  const b = sample as Record<string, unknown>;
  return by.map((name): KeyColumn => {
    const bytes = b[`${name}Bytes`];
    if (bytes instanceof Uint8Array) {
      return { name, width: 16, column: (x) => (x as Record<string, Uint8Array>)[`${name}Bytes`]!, read: (_v, at, all) => formatIp(all, at, 'ip') };
    }
    const col = b[name];
    const type = ArrayBuffer.isView(col) ? col.constructor.name : undefined;
    const width = type ? widths[type] : undefined;
    if (!width) invalidArgument(fn, `by: '${name}' is not a column of these batches (a typed-array column such as dstPort, proto, netns, or srcAddr/dstAddr)`);
    const read = ({
      Uint8Array: (v: DataView, at: number) => v.getUint8(at), Int8Array: (v: DataView, at: number) => v.getInt8(at),
      Uint16Array: (v: DataView, at: number) => v.getUint16(at, true), Int16Array: (v: DataView, at: number) => v.getInt16(at, true),
      Uint32Array: (v: DataView, at: number) => v.getUint32(at, true), Int32Array: (v: DataView, at: number) => v.getInt32(at, true),
      Float32Array: (v: DataView, at: number) => v.getFloat32(at, true), Float64Array: (v: DataView, at: number) => v.getFloat64(at, true),
      BigUint64Array: (v: DataView, at: number) => v.getBigUint64(at, true), BigInt64Array: (v: DataView, at: number) => v.getBigInt64(at, true),
    } as Record<string, (v: DataView, at: number) => KeyValue>)[type!]!;
    return { name, width, column: (x) => (x as Record<string, ArrayBufferView>)[name]!, read: (v, at) => read(v, at) };
  });
}

/** A key's bytes as an object of its columns' values. */
export function readKey(columns: readonly KeyColumn[], bytes: Uint8Array): Record<string, KeyValue> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const key: Record<string, KeyValue> = {};
  let at = 0;
  for (const c of columns) {
    key[c.name] = c.read(view, at, bytes);
    at += c.width;
  }
  return key;
}
