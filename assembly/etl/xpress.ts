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
    // A run of literals: the zero bits from the top of the flags left (at least one, or none).
    const pending = flags << (32 - flagCount); // the unread flags, first at the top (flagCount >= 1)
    let run = <u32>clz<u32>(pending);
    if (run > flagCount) run = flagCount;
    if (run > 0) {
      let n = run;
      if (n > srcLen - ip) n = srcLen - ip; // the input may end inside the run
      if (n > dstCap - op) return XPRESS_OVERFLOW;
      const d = dst + <usize>op;
      const s = src + <usize>ip;
      if (n <= 32 && dstCap - op >= 32 && srcLen - ip >= 32) {
        // a wild copy: 32 bytes whatever n is (the bytes past n are overwritten by what follows, or
        // lie past the result), inside both buffers
        store<u64>(d, load<u64>(s));
        store<u64>(d, load<u64>(s, 8), 8);
        store<u64>(d, load<u64>(s, 16), 16);
        store<u64>(d, load<u64>(s, 24), 24);
      } else if (n > 16) memory.copy(d, s, <usize>n);
      else for (let k: usize = 0; k < <usize>n; k++) store<u8>(d + k, load<u8>(s + k));
      ip += n;
      op += n;
      flagCount -= run;
      if (n < run) return <i32>op; // input ended with literals flagged
      continue;
    }
    flagCount--;
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
    if (off == 1) {
      memory.fill(d, load<u8>(s), <usize>n); // a run of one byte
      continue;
    }
    if (off >= 8) {
      // 8 bytes at a time never read bytes this match has yet to write; with room, round n up to 8 (a
      // wild copy: the extra bytes are overwritten by what follows, or lie past the result)
      if (<u64>((n + 7) & ~7) <= <u64>(dstCap - (op - n))) n = (n + 7) & ~7;
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
