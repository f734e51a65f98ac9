// Field values from decoded columns (shared by the runtime batch and generated row functions).
import { cString, nulSeparated } from '../pipeline/batch.js';
import type { Field, VarField } from './layout.js';
import { formatIp } from '../platform/ip.js';

export { cString, nulSeparated };

/** An address column's text (platform/ip.ts, the one formatter). */
export const ipString = formatIp;

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
    case 'array':
    case 'ptr': {
      if (!f.dims) return column[i];
      const count = f.dims.reduce((a, b) => a * b, 1);
      return nest(column as Elements, i * count, f.dims);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf16 = new TextDecoder('utf-16le', { ignoreBOM: true });

/**
 * The text of a SID's bytes (revision, count, 6-byte big-endian authority, u32 LE sub-authorities) as
 * S-1-5-21-…; '' for none (fewer than 8 bytes). Authorities of 2^32 and more print in hex, as Windows does.
 *
 * @example
 * sidString(batch.strings, batch.ownerOffset[i]!, batch.ownerLength[i]!) // 'S-1-5-18'
 */
export function sidString(heap: Uint8Array, at: number, length: number): string {
  if (length < 8) return '';
  const v = new DataView(heap.buffer, heap.byteOffset + at, length);
  const authority = (BigInt(v.getUint16(2)) << 32n) | BigInt(v.getUint32(4));
  const parts = [`S-${v.getUint8(0)}`, authority >= 1n << 32n ? `0x${authority.toString(16).toUpperCase().padStart(12, '0')}` : authority.toString()];
  for (let k = 8; k + 4 <= length; k += 4) parts.push(String(v.getUint32(k, true)));
  return parts.join('-');
}

/** The value of variable field `x` whose bytes are heap[at, at + length). */
export function varValue(x: VarField, heap: Uint8Array, at: number, length: number): string | Uint8Array {
  if (x.kind === 'sid') return sidString(heap, at, length);
  if (x.kind === 'bytes') return heap.slice(at, at + length);
  const bytes = heap.subarray(at, at + length);
  return x.encoding === 'utf16le' ? utf16.decode(bytes) : utf8.decode(bytes);
}

/**
 * The UTF-8 text of heap[at, at + length) (variable strings; a BOM is kept).
 *
 * @example
 * utf8Text(new TextEncoder().encode('hi'), 0, 2) // 'hi'
 */
export const utf8Text = (heap: Uint8Array, at: number, length: number): string => utf8.decode(heap.subarray(at, at + length));
/**
 * The UTF-16LE text of heap[at, at + length).
 *
 * @example
 * utf16Text(Uint8Array.of(0x68, 0, 0x69, 0), 0, 4) // 'hi'
 */
export const utf16Text = (heap: Uint8Array, at: number, length: number): string => utf16.decode(heap.subarray(at, at + length));
