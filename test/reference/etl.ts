// A reference .etl reader in plain TypeScript: Xpress (MS-XCA plain LZ77) decompression, the buffer and
// record walk, and per-event decoding of the kernel classes kwire knows into objects, with DataView.
// Written from fixtures/etw/FORMAT.md independently of assembly/etl/, for tests (cross-checks) and as the
// benchmark baseline (bench/etw.bench.ts) only: never on kwire's path. Also a Plain LZ77 compressor, to
// make valid compressed inputs for property tests and fuzzing.

/** MS-XCA plain LZ77 decompression into at most `capacity` bytes; throws on bad input. */
export function xpressDecompressRef(src: Uint8Array, capacity: number): Uint8Array {
  const out = new Uint8Array(capacity);
  let ip = 0;
  let op = 0;
  let flags = 0;
  let count = 0;
  let half = -1;
  const u16 = (i: number) => src[i]! | (src[i + 1]! << 8);
  for (;;) {
    if (count === 0) {
      if (src.length - ip < 4) return out.subarray(0, op);
      flags = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
      count = 32;
    }
    count--;
    if (((flags >>> count) & 1) === 0) {
      if (ip >= src.length) return out.subarray(0, op);
      if (op >= capacity) throw new RangeError('xpress: output overflow');
      out[op++] = src[ip++]!;
      continue;
    }
    if (ip === src.length) return out.subarray(0, op);
    if (src.length - ip < 2) throw new RangeError('xpress: truncated match');
    const v = u16(ip);
    ip += 2;
    let len = v & 7;
    const off = (v >>> 3) + 1;
    if (len === 7) {
      if (half < 0) {
        if (ip >= src.length) throw new RangeError('xpress: truncated length');
        len = src[ip]! & 15;
        half = ip++;
      } else {
        len = src[half]! >>> 4;
        half = -1;
      }
      if (len === 15) {
        if (ip >= src.length) throw new RangeError('xpress: truncated length');
        len = src[ip++]!;
        if (len === 255) {
          if (src.length - ip < 2) throw new RangeError('xpress: truncated length');
          len = u16(ip);
          ip += 2;
          if (len === 0) {
            if (src.length - ip < 4) throw new RangeError('xpress: truncated length');
            len = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
            ip += 4;
          }
          if (len < 22) throw new RangeError('xpress: bad length');
          len -= 22;
        }
        len += 15;
      }
      len += 7;
    }
    len += 3;
    if (off > op) throw new RangeError('xpress: match before the start');
    if (len > capacity - op) throw new RangeError('xpress: output overflow');
    for (let k = 0; k < len; k++, op++) out[op] = out[op - off]!;
  }
}

/** A greedy MS-XCA plain LZ77 compressor (hash of 3 bytes, offsets up to 8192): valid streams for tests. */
export function xpressCompressRef(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  const table = new Map<number, number>();
  let flagPos = out.length;
  out.push(0, 0, 0, 0);
  let flags = 0;
  let nflags = 0;
  let half = -1;
  const bit = (b: number) => {
    flags = (flags << 1) | b;
    if (++nflags === 32) {
      out[flagPos] = flags & 0xff; out[flagPos + 1] = (flags >>> 8) & 0xff; out[flagPos + 2] = (flags >>> 16) & 0xff; out[flagPos + 3] = (flags >>> 24) & 0xff;
      flagPos = out.length;
      out.push(0, 0, 0, 0);
      flags = 0;
      nflags = 0;
    }
  };
  let i = 0;
  while (i < src.length) {
    let best = 0;
    let bestOff = 0;
    if (i + 3 <= src.length) {
      const h = src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16);
      const cand = table.get(h);
      table.set(h, i);
      if (cand !== undefined && i - cand <= 8192) {
        let l = 0;
        while (i + l < src.length && src[cand + l] === src[i + l] && l < 70000) l++;
        if (l >= 3) (best = l), (bestOff = i - cand);
      }
    }
    if (best < 3) {
      out.push(src[i++]!);
      bit(0); // after the item: the next flag word follows the 32nd item's bytes (MS-XCA §2.3)
      continue;
    }
    const l = best - 3;
    const v = ((bestOff - 1) << 3) | Math.min(l, 7);
    out.push(v & 0xff, v >>> 8);
    if (l >= 7) {
      const l2 = l - 7;
      const nib = Math.min(l2, 15);
      if (half < 0) {
        half = out.length;
        out.push(nib);
      } else {
        out[half] = out[half]! | (nib << 4);
        half = -1;
      }
      if (l2 >= 15) {
        const l3 = l2 - 15;
        if (l3 < 255) out.push(l3);
        else {
          out.push(255);
          const l4 = l3 + 22;
          if (l4 < 65536) out.push(l4 & 0xff, l4 >>> 8);
          else out.push(0, 0, l4 & 0xff, (l4 >>> 8) & 0xff, (l4 >>> 16) & 0xff, l4 >>> 24);
        }
      }
    }
    bit(1);
    i += best;
  }
  // End: the remaining flag bits say "match", and the stream ends there (as Windows' compressor does).
  flags = ((flags << (32 - nflags)) | ((2 ** (32 - nflags) - 1) >>> 0)) >>> 0;
  out[flagPos] = flags & 0xff; out[flagPos + 1] = (flags >>> 8) & 0xff; out[flagPos + 2] = (flags >>> 16) & 0xff; out[flagPos + 3] = (flags >>> 24) & 0xff;
  return Uint8Array.from(out);
}

/** One record of a walk: its header's fields and its payload. */
export interface RefRecord {
  headerType: number;
  hook: number;
  eventClass: number;
  opcode: number;
  eventId: number;
  version: number;
  pid: number;
  tid: number;
  ts: bigint;
  cpu: number;
  ptr32: boolean;
  payload: Uint8Array;
}

export interface RefWalk {
  records: number;
  headerTypes: Map<number, number>;
  hooks: Map<number, number>;
  /** Decoded events of the known kernel classes. */
  events: Record<string, unknown>[];
}

const GUID_CLASS = new Map<string, number>([
  ['3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c', 0x03], ['3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c', 0x05], ['2cb15d1d-5fc1-11d2-abe1-00a0c911f518', 0x14],
  ['90cbdc39-4a3e-11d1-84f4-0000f80464e3', 0x04], ['9a280ac0-c8e0-11d1-84e2-00c04fb998a2', 0x06], ['bf3a50c5-a9c9-4988-a005-2df0b7c80f80', 0x08],
]);
function guid(v: DataView, at: number): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const b = (i: number) => h(v.getUint8(at + i), 2);
  return `${h(v.getUint32(at, true), 8)}-${h(v.getUint16(at + 4, true), 4)}-${h(v.getUint16(at + 6, true), 4)}-${b(8)}${b(9)}-${b(10)}${b(11)}${b(12)}${b(13)}${b(14)}${b(15)}`;
}

const utf16 = new TextDecoder('utf-16le');
const latin = new TextDecoder('utf-8');

/** Reads payload fields in order, pointers sized by the writer. */
class Fields {
  private at = 0;
  private readonly v: DataView;
  constructor(private readonly p: Uint8Array, private readonly ptr32: boolean) {
    this.v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  }
  u8() { return this.v.getUint8(this.at++); }
  u16be() { const x = this.v.getUint16(this.at, false); this.at += 2; return x; }
  u32() { const x = this.v.getUint32(this.at, true); this.at += 4; return x; }
  i32() { const x = this.v.getInt32(this.at, true); this.at += 4; return x; }
  ptr() { const x = this.ptr32 ? BigInt(this.v.getUint32(this.at, true)) : this.v.getBigUint64(this.at, true); this.at += this.ptr32 ? 4 : 8; return x; }
  skip(n: number) { this.at += n; }
  ip4() { const b = this.p.subarray(this.at, this.at + 4); this.at += 4; return [...b].join('.'); }
  ip6() {
    const g: number[] = [];
    for (let k = 0; k < 8; k++) g.push(this.v.getUint16(this.at + 2 * k, false));
    this.at += 16;
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
    let best = -1, bestLen = 1; // RFC 5952: the longest run of two or more zero groups becomes ::
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) (best = i), (bestLen = j - i);
      i = j === i ? i + 1 : j;
    }
    const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
    return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
  }
  wstr() { let e = this.at; while (e + 1 < this.p.length && (this.p[e] | this.p[e + 1]!) !== 0) e += 2; if (e + 1 >= this.p.length) throw new RangeError('unterminated'); const s = utf16.decode(this.p.subarray(this.at, e)); this.at = e + 2; return s; }
  str() { let e = this.at; while (e < this.p.length && this.p[e] !== 0) e++; if (e >= this.p.length) throw new RangeError('unterminated'); const s = latin.decode(this.p.subarray(this.at, e)); this.at = e + 1; return s; }
  sid() {
    if (this.v.getUint32(this.at, true) === 0) { this.at += 4; return ''; }
    this.at += this.ptr32 ? 8 : 16;
    const n = this.v.getUint8(this.at + 1);
    const auth = this.v.getUint32(this.at + 4, false);
    const parts = [`S-${this.v.getUint8(this.at)}`, String(auth)];
    for (let k = 0; k < n; k++) parts.push(String(this.v.getUint32(this.at + 8 + 4 * k, true)));
    this.at += 8 + 4 * n;
    return parts.join('-');
  }
  need(n: number) { if (this.p.length < n) throw new RangeError('short'); }
}

/** The event of a known kernel record, else undefined (the classic MOF layouts only). */
export function decodeRef(r: RefRecord): Record<string, unknown> | undefined {
  const f = new Fields(r.payload, r.ptr32);
  const base = { cls: r.eventClass, opcode: r.opcode, ts: r.ts, cpu: r.cpu };
  try {
    switch (r.eventClass) {
      case 0x03: {
        if (r.opcode === 11) return { ...base, pid: f.u32() };
        if (![1, 2, 3, 4, 39].includes(r.opcode) || r.version < 3) return undefined;
        f.ptr();
        const e: Record<string, unknown> = { ...base, pid: f.u32(), ppid: f.u32(), sessionId: f.u32(), exitStatus: f.i32() };
        f.ptr();
        if (r.version >= 4) e.flags = f.u32();
        e.sid = f.sid();
        e.imageName = f.str();
        e.commandLine = f.wstr();
        return e;
      }
      case 0x05: {
        if (![1, 2, 3, 4].includes(r.opcode) || r.version < 2) return undefined;
        const e: Record<string, unknown> = { ...base, pid: f.u32(), tid: f.u32() };
        if (r.version >= 3) {
          for (let k = 0; k < 5; k++) f.ptr();
          e.win32StartAddr = f.ptr();
          e.tebBase = f.ptr();
          f.u32();
          e.basePriority = f.u8();
          e.pagePriority = f.u8();
          e.ioPriority = f.u8();
        }
        return e;
      }
      case 0x14: {
        if (![2, 3, 4, 10].includes(r.opcode) || r.version < 2) return undefined;
        const e: Record<string, unknown> = { ...base, imageBase: f.ptr(), imageSize: f.ptr(), pid: f.u32(), checksum: f.u32(), timeDateStamp: f.u32() };
        f.u32();
        f.ptr();
        f.skip(16);
        e.imageName = f.wstr();
        return e;
      }
      case 0x04: {
        if (![0, 32, 35, 36].includes(r.opcode) || r.version < 2) return undefined;
        return { ...base, fileObject: f.ptr(), fileName: f.wstr() };
      }
      case 0x06:
      case 0x08: {
        const tcp = r.eventClass === 0x06;
        const o = r.opcode >= 26 ? r.opcode - 16 : r.opcode;
        if (!(tcp ? [10, 11, 12, 13, 14, 15, 16, 18] : [10, 11]).includes(o) || r.version < 2) return undefined;
        const six = r.opcode >= 26;
        f.need(six ? 44 : 20);
        return { ...base, pid: f.u32(), size: f.u32(), daddr: six ? f.ip6() : f.ip4(), saddr: six ? f.ip6() : f.ip4(), dport: f.u16be(), sport: f.u16be() };
      }
    }
  } catch {
    return { ...base, error: true };
  }
  return undefined;
}

/** Walks an .etl file's buffers and records (decompressing as needed) and decodes the known events. */
export function walkEtlRef(bytes: Uint8Array, decode = true, each?: (r: RefRecord) => void): RefWalk {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RefWalk = { records: 0, headerTypes: new Map(), hooks: new Map(), events: [] };
  for (let at = 0; bytes.length - at >= 0x48; ) {
    const size = v.getUint32(at, true);
    if (size < 0x48 || size > bytes.length - at) break;
    const offset = v.getUint32(at + 0x30, true);
    const bflags = v.getUint16(at + 0x34, true);
    const cpu = bflags & 0x20 ? v.getUint16(at + 0x28, true) & 0x7ff : v.getUint8(at + 0x28);
    let data: Uint8Array;
    if (bflags & 0x40) data = xpressDecompressRef(bytes.subarray(at + 0x48, at + size), offset - 0x48);
    else data = bytes.subarray(at + 0x48, at + Math.min(offset, size));
    walkRecords(data, cpu, out, decode, each);
    at += size;
  }
  return out;
}

function walkRecords(data: Uint8Array, cpu: number, out: RefWalk, decode: boolean, each?: (r: RefRecord) => void): void {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let p = 0; data.length - p >= 4; ) {
    const marker = v.getUint32(p, true);
    if (marker === 0xffffffff) break;
    const t = (marker >>> 16) & 0xff;
    const sys = t <= 4 || t === 0x10 || t === 0x11;
    const size = sys ? v.getUint16(p + 4, true) : marker & 0xffff;
    if (size < 8 || size > data.length - p) break;
    out.records++;
    out.headerTypes.set(0xc000 | t, (out.headerTypes.get(0xc000 | t) ?? 0) + 1);
    const r: RefRecord = { headerType: t, hook: 0, eventClass: 0xffff, opcode: 0, eventId: 0, version: 0, pid: -1, tid: -1, ts: 0n, cpu, ptr32: [1, 3, 0x0a, 0x0b, 0x10, 0x12].includes(t), payload: data.subarray(0, 0) };
    let hs = 0;
    if (sys) {
      const ver = marker & 0xffff;
      r.hook = v.getUint16(p + 6, true);
      out.hooks.set(r.hook, (out.hooks.get(r.hook) ?? 0) + 1);
      r.version = ver & 0xff;
      if (t <= 4) {
        r.tid = v.getUint32(p + 8, true);
        r.pid = v.getUint32(p + 12, true);
        r.ts = v.getBigInt64(p + 16, true);
        hs = t <= 2 ? 0x20 : 0x18;
      } else {
        r.ts = v.getBigInt64(p + 8, true);
        hs = 0x10;
      }
      hs += (ver & 0x8000 ? 8 : 0) + ((ver >> 8) & 7) * 8;
      [r.eventClass, r.opcode] = r.hook === 0x030a ? [0x14, 10] : [r.hook >> 8, r.hook & 0xff];
    } else {
      r.tid = v.getUint32(p + 8, true);
      r.pid = v.getUint32(p + 12, true);
      r.ts = v.getBigInt64(p + 16, true);
      r.eventClass = GUID_CLASS.get(guid(v, p + 0x18)) ?? 0xffff;
      if (t === 0x12 || t === 0x13) {
        r.eventId = v.getUint16(p + 0x28, true);
        r.version = v.getUint8(p + 0x2a);
        r.opcode = v.getUint8(p + 0x2d);
        hs = 0x50;
        if (v.getUint16(p + 4, true) & 1) {
          for (;;) {
            const itemSize = v.getUint16(p + hs, true);
            const link = v.getUint16(p + hs + 4, true);
            hs += itemSize;
            if (!(link & 1)) break;
          }
        }
      } else {
        r.opcode = v.getUint8(p + 4);
        r.version = v.getUint16(p + 6, true) & 0xff;
        hs = t === 0x0a || t === 0x14 ? 0x30 : 0x48;
      }
    }
    r.payload = data.subarray(p + hs, p + size);
    each?.(r);
    if (decode) {
      const e = decodeRef(r);
      if (e) out.events.push(e);
    }
    p += (size + 7) & ~7;
  }
}
