// MS-XCA "Plain LZ77" (COMPRESSION_FORMAT_XPRESS, the non-Huffman variant) decompression, §2.4 of the
// specification: a 32-bit flag word per 32 items, bit = 0 a literal byte, bit = 1 a u16 match
// (length v & 7, offset (v >> 3) + 1); length 7 extends through a shared half-byte, then a byte, then a
// u16, then a u32, and 3 is added at the end. Compressed .etl buffers (BufferFlag 0x40) hold it.
// Every read and write is checked: bad input gives a negative code, never a read or write out of range.

/** The output ran past its capacity. */
export const XPRESS_OVERFLOW: i32 = -1;
/** The input ended inside a match. */
export const XPRESS_TRUNCATED: i32 = -2;
/** A match reaches before the start of the output, or an extended length is impossible. */
export const XPRESS_BAD_MATCH: i32 = -3;

/** Decompresses `srcLen` bytes at `src` into at most `dstCap` bytes at `dst`; returns the bytes written,
 *  or a negative XPRESS_* code. */
export function xpressDecompress(src: usize, srcLen: u32, dst: usize, dstCap: u32): i32 {
  let ip: u32 = 0;
  let op: u32 = 0;
  let flags: u32 = 0;
  let flagCount: u32 = 0;
  let half: u32 = 0; // 1 + the input position of the shared length half-byte, 0 when none
  while (true) {
    if (flagCount == 0) {
      if (srcLen - ip < 4) return <i32>op;
      flags = load<u32>(src + <usize>ip);
      ip += 4;
      flagCount = 32;
    }
    flagCount--;
    if ((flags & (1 << flagCount)) == 0) {
      if (ip >= srcLen) return <i32>op;
      if (op >= dstCap) return XPRESS_OVERFLOW;
      store<u8>(dst + <usize>op, load<u8>(src + <usize>ip));
      ip++;
      op++;
      continue;
    }
    if (ip == srcLen) return <i32>op;
    if (srcLen - ip < 2) return XPRESS_TRUNCATED;
    const v = <u32>load<u16>(src + <usize>ip);
    ip += 2;
    let len: u64 = <u64>(v & 7);
    const off: u32 = (v >> 3) + 1;
    if (len == 7) {
      if (half == 0) {
        if (ip >= srcLen) return XPRESS_TRUNCATED;
        len = <u64>(load<u8>(src + <usize>ip) & 15);
        half = ip + 1;
        ip++;
      } else {
        len = <u64>(load<u8>(src + <usize>(half - 1)) >> 4);
        half = 0;
      }
      if (len == 15) {
        if (ip >= srcLen) return XPRESS_TRUNCATED;
        len = <u64>load<u8>(src + <usize>ip);
        ip++;
        if (len == 255) {
          if (srcLen - ip < 2) return XPRESS_TRUNCATED;
          len = <u64>load<u16>(src + <usize>ip);
          ip += 2;
          if (len == 0) {
            if (srcLen - ip < 4) return XPRESS_TRUNCATED;
            len = <u64>load<u32>(src + <usize>ip);
            ip += 4;
          }
          if (len < 15 + 7) return XPRESS_BAD_MATCH;
          len -= 15 + 7;
        }
        len += 15;
      }
      len += 7;
    }
    len += 3;
    if (off > op) return XPRESS_BAD_MATCH;
    if (len > <u64>(dstCap - op)) return XPRESS_OVERFLOW;
    let n = <u32>len;
    let d = dst + <usize>op;
    let s = d - <usize>off;
    op += n;
    if (off >= 8) {
      // 8 bytes at a time never read bytes this match has yet to write
      while (n >= 8) {
        store<u64>(d, load<u64>(s));
        d += 8;
        s += 8;
        n -= 8;
      }
    }
    while (n > 0) {
      store<u8>(d, load<u8>(s));
      d++;
      s++;
      n--;
    }
  }
}
