// What every source emits: a columnar batch that owns its memory (valid after the emission returns),
// readable column by column (fast path) or as event objects (convenience).
export interface Batch<E> extends Iterable<E> {
  readonly length: number;
  /** The i-th record as a plain object. */
  get(index: number): E;
}

const utf8 = new TextDecoder('utf-8');

/** Decodes bytes up to the first NUL (or the end) as UTF-8. */
export function cString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  return utf8.decode(bytes.subarray(start, stop));
}

/** Splits NUL-terminated strings in bytes[start, end); a last string without its NUL is kept too. */
export function nulSeparated(bytes: Uint8Array, start: number, end: number): string[] {
  if (end <= start) return [];
  // One decode for the whole run: NUL is a single byte in UTF-8, so splitting after decoding is exact.
  const out = utf8.decode(bytes.subarray(start, end)).split('\0');
  if (bytes[end - 1] === 0) out.pop();
  return out;
}
