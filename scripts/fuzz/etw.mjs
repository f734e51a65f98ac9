#!/usr/bin/env node
// make fuzz: the .etl walker and its Xpress decompressor (assembly/etl/) on inputs no fixture has.
//   - Xpress: FUZZ_XPRESS inputs (default 1,000,000): random bytes, the real compressed buffers of
//     fixtures/etw/ mutated (bit flips, truncation, spliced bytes), and valid streams of random data
//     from a small compressor here; each must give bytes within the capacity or an error code, never a
//     trap, and valid streams must give back their data.
//   - The walker: FUZZ_FILES damaged copies of the fixtures (default 3,000): truncated, bit-flipped,
//     buffer-shuffled; the walk must end, with its skips counted.
// Needs `make build`. Deterministic: FUZZ_SEED (default 12) seeds everything.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { EtlWalker } = await import(join(repo, 'packages/kwire/dist/kinds/etw-walker.js'));
const XPRESS = Number(process.env.FUZZ_XPRESS ?? 1_000_000);
const FILES = Number(process.env.FUZZ_FILES ?? 3_000);
let seed = Number(process.env.FUZZ_SEED ?? 12) >>> 0 || 1;
const rand = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32);
const int = (n) => Math.floor(rand() * n);
const bytes = (n) => Uint8Array.from({ length: n }, () => int(256));

const fixtures = ['ShutdownPerfDiagLogger', 'net.4.5.2.x64', 'net.4.5.2.x86', 'KernelNetwork', 'Process', 'lxcore_kernel', 'smallEtlFile'].map((n) => ({
  name: n,
  bytes: new Uint8Array(readFileSync(join(repo, 'fixtures', 'etw', `${n}.etl`))),
}));

/** The buffers of a file, and its compressed buffers' payloads with their decompressed sizes. */
function split(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const buffers = [];
  const compressed = [];
  for (let at = 0; b.length - at >= 0x48; ) {
    const size = v.getUint32(at, true);
    if (size < 0x48 || size > b.length - at) break;
    buffers.push(b.subarray(at, at + size));
    if (v.getUint16(at + 0x34, true) & 0x40) compressed.push({ src: b.subarray(at + 0x48, at + size), size: v.getUint32(at + 0x30, true) - 0x48 });
    at += size;
  }
  return { buffers, compressed };
}
const parts = fixtures.map((f) => ({ ...f, ...split(f.bytes) }));
const realStreams = parts.flatMap((p) => p.compressed);

/** A greedy plain LZ77 compressor (MS-XCA §2.3 format), for valid streams. */
function compress(src) {
  const out = [];
  const table = new Map();
  let flagPos = 0;
  out.push(0, 0, 0, 0);
  let flags = 0, nflags = 0, half = -1;
  const put = (p, f) => { out[p] = f & 0xff; out[p + 1] = (f >>> 8) & 0xff; out[p + 2] = (f >>> 16) & 0xff; out[p + 3] = (f >>> 24) & 0xff; };
  const bit = (b) => { flags = ((flags << 1) | b) >>> 0; if (++nflags === 32) { put(flagPos, flags); flagPos = out.length; out.push(0, 0, 0, 0); flags = 0; nflags = 0; } };
  for (let i = 0; i < src.length; ) {
    let best = 0, off = 0;
    if (i + 3 <= src.length) {
      const h = src[i] | (src[i + 1] << 8) | (src[i + 2] << 16);
      const c = table.get(h);
      table.set(h, i);
      if (c !== undefined && i - c <= 8192) { let l = 0; while (i + l < src.length && src[c + l] === src[i + l] && l < 70000) l++; if (l >= 3) (best = l), (off = i - c); }
    }
    if (best < 3) { out.push(src[i++]); bit(0); continue; } // the flag after its item (MS-XCA §2.3)
    const l = best - 3;
    const v = ((off - 1) << 3) | Math.min(l, 7);
    out.push(v & 0xff, v >>> 8);
    if (l >= 7) {
      const l2 = l - 7, nib = Math.min(l2, 15);
      if (half < 0) { half = out.length; out.push(nib); } else { out[half] |= nib << 4; half = -1; }
      if (l2 >= 15) { const l3 = l2 - 15; if (l3 < 255) out.push(l3); else { out.push(255); const l4 = l3 + 22; if (l4 < 65536) out.push(l4 & 0xff, l4 >>> 8); else out.push(0, 0, l4 & 0xff, (l4 >>> 8) & 0xff, (l4 >>> 16) & 0xff, l4 >>> 24); } }
    }
    bit(1);
    i += best;
  }
  put(flagPos, nflags === 0 ? 0xffffffff : ((flags << (32 - nflags)) | (2 ** (32 - nflags) - 1)) >>> 0);
  return Uint8Array.from(out);
}

function mutate(src) {
  const m = src.slice(0, rand() < 0.3 ? int(src.length + 1) : src.length);
  for (let k = 0, n = 1 + int(8); k < n && m.length > 0; k++) {
    const r = rand();
    const at = int(m.length);
    if (r < 0.6) m[at] ^= 1 << int(8);
    else if (r < 0.8) m[at] = int(256);
    else m.copyWithin(at, int(m.length), int(m.length)); // splice bytes from elsewhere
  }
  return m;
}

const w = new EtlWalker();
const t0 = performance.now();
const outcome = { bytes: 0, overflow: 0, truncated: 0, badMatch: 0, valid: 0 };
for (let i = 0; i < XPRESS; i++) {
  const kind = i % 10;
  let src, capacity, expect;
  if (kind < 3) { src = bytes(int(300)); capacity = int(2000); }
  else if (kind < 8) { const s = realStreams[int(realStreams.length)]; src = mutate(s.src); capacity = rand() < 0.5 ? s.size : int(s.size * 2 + 1); }
  else { const data = rand() < 0.5 ? bytes(int(400)) : Uint8Array.from({ length: int(3000) }, (_, k) => (k * 7) % (1 + int(5))); src = compress(data); capacity = data.length; expect = data; }
  const got = w.xpress(src, capacity);
  if (typeof got === 'number') {
    if (got === -1) outcome.overflow++; else if (got === -2) outcome.truncated++; else if (got === -3) outcome.badMatch++; else throw new Error(`xpress: unknown code ${got}`);
    if (expect) throw new Error(`xpress: a valid stream of ${expect.length} bytes failed with ${got}`);
    continue;
  }
  if (got.length > capacity) throw new Error(`xpress: ${got.length} bytes out of a capacity of ${capacity}`);
  outcome.bytes++;
  if (expect) {
    if (got.length !== expect.length || got.some((b, k) => b !== expect[k])) throw new Error('xpress: a valid stream decompressed wrong');
    outcome.valid++;
  }
}
const t1 = performance.now();
console.log(`fuzz etw: xpress ${XPRESS.toLocaleString('en')} inputs in ${((t1 - t0) / 1000).toFixed(1)} s: ${JSON.stringify(outcome)}`);

const totals = { records: 0, badBuffers: 0, badRecords: 0, xpressErrors: 0, truncatedBytes: 0, skippedBytes: 0 };
for (let i = 0; i < FILES; i++) {
  const p = parts[int(parts.length)];
  const limit = Math.min(p.buffers.length, 6);
  const start = int(p.buffers.length - limit + 1);
  let pick = p.buffers.slice(start, start + limit);
  if (i % 3 === 2) pick = pick.sort(() => rand() - 0.5);
  const len = pick.reduce((a, b) => a + b.length, 0);
  const file = new Uint8Array(len);
  pick.reduce((at, b) => (file.set(b, at), at + b.length), 0);
  const damaged = i % 3 === 0 ? file.subarray(0, int(len + 1)) : mutate(file);
  const walker = new EtlWalker();
  let rest = damaged;
  const chunk = 1 + int(70000);
  for (let at = 0; at < damaged.length; at += chunk) {
    const piece = damaged.subarray(at, at + chunk);
    const buf = new Uint8Array(rest === damaged ? 0 : rest.length + piece.length);
    if (rest !== damaged) { buf.set(rest); buf.set(piece, rest.length); }
    const input = rest === damaged ? piece : buf;
    rest = input.slice(walker.walk(input, false, 0x7fffffff));
    walker.clearFrames();
  }
  walker.walk(rest === damaged ? new Uint8Array(0) : rest, true, 0x7fffffff);
  const c = walker.counts();
  for (const k of Object.keys(totals)) totals[k] += c[k];
}
console.log(`fuzz etw: walker ${FILES.toLocaleString('en')} damaged files in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${JSON.stringify(totals)}`);
