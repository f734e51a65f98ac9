// Field values from decoded columns (shared by the runtime batch and generated row functions).
import { cString, nulSeparated } from '../pipeline/batch.js';
import type { Field } from './layout.js';
import { bytesToIp } from '../platform/ip.js';

export { cString, nulSeparated };

/** An address column's text (platform/ip.ts, the one formatter). */
export const ipString = (bytes: Uint8Array, at: number, kind: 'ip4' | 'ip6' | 'ip'): string => bytesToIp(bytes, at, kind);

type Elements = ArrayLike<number | bigint>;

/** Nested arrays of `dims` (row-major) from a flat run of elements starting at `at`. */
export function nest(flat: Elements, at: number, dims: readonly number[]): unknown[] {
  const [d, ...rest] = dims as [number, ...number[]];
  const step = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: d }, (_, k) => (rest.length === 0 ? flat[at + k] : nest(flat, at + k * step, rest)));
}

/** The value of field `f` for record `i` from its column. */
export function fieldValue(f: Field, column: Uint8Array | Elements, i: number): unknown {
  switch (f.kind) {
    case 'int':
      return column[i];
    case 'cstring':
      return cString(column as Uint8Array, i * f.size, (i + 1) * f.size);
    case 'bytes':
      return (column as Uint8Array).slice(i * f.size, (i + 1) * f.size);
    case 'ip4':
    case 'ip6':
    case 'ip':
      return ipString(column as Uint8Array, i * f.size, f.kind);
    case 'array': {
      const count = f.dims!.reduce((a, b) => a * b, 1);
      return nest(column as Elements, i * count, f.dims!);
    }
  }
}
