// Field values from decoded columns (shared by the runtime batch and generated row functions).
import { cString, nulSeparated } from '../pipeline/batch.js';
import type { Field } from './layout.js';

export { cString, nulSeparated };

/** Dotted IPv4 or RFC 5952 IPv6 text of 4 or 16 bytes at `at`; 'ip' is IPv4 when bytes 4..15 are zero. */
export function ipString(bytes: Uint8Array, at: number, kind: 'ip4' | 'ip6' | 'ip'): string {
  const v4 = kind === 'ip4' || (kind === 'ip' && bytes.subarray(at + 4, at + 16).every((b) => b === 0));
  if (v4) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const groups = Array.from({ length: 8 }, (_, g) => (bytes[at + 2 * g]! << 8) | bytes[at + 2 * g + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let g = 0; g < 8; ) {
    let e = g;
    while (e < 8 && groups[e] === 0) e++;
    if (e - g > bestLen) [best, bestLen] = [g, e - g];
    g = e === g ? g + 1 : e;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

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
