// Bad .etl input gives counted errors, never a crash, a hang or a read out of bounds: truncated,
// bit-flipped and buffer-shuffled copies of the fixtures through the walker and decoder that
// etw.fromEtl() uses (test/etw-etl.test.ts runs the whole pipeline on bad input); damaged ETW frames
// through the decoder; random and mutated inputs through the Xpress decompressor, which must agree
// with the TypeScript reference on valid streams. (make fuzz runs the long versions: scripts/fuzz/etw.mjs.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, etw, EtwFlag, EtwFrame, FrameDecoder, type EtwBatch, type RawFrames } from 'kwire';
import { EtlWalker } from '../packages/kwire/src/kinds/etw-walker.js';
import { etlBytes, type EtlFixture } from './helpers/etl.js';
import { concat, frame } from './reference/frames.js';
import { xpressCompressRef, xpressDecompressRef } from './reference/etl.js';

/** Small enough to walk many times: whole files, and the first buffers of the big ones. */
const prefix = (name: EtlFixture, n: number) => etlBytes(name).subarray(0, n);
const inputs: [string, Uint8Array][] = [
  ['smallEtlFile', etlBytes('smallEtlFile')],
  ['lxcore_kernel', etlBytes('lxcore_kernel')],
  ['net.4.5.2.x86 (compressed, 60 KB)', prefix('net.4.5.2.x86', 60_000)],
  ['ShutdownPerfDiagLogger (128 KB)', prefix('ShutdownPerfDiagLogger', 2 * 65536)],
  ['KernelNetwork (40 KB)', prefix('KernelNetwork', 5 * 8192)],
];

/** The buffers of a file: each one's offset and BufferSize, as the file lays them back to back. */
function buffers(bytes: Uint8Array): Uint8Array[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; bytes.length - at >= 0x48; ) {
    const size = v.getUint32(at, true);
    if (size < 0x48 || size > bytes.length - at) break;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

const decoder = new FrameDecoder<EtwBatch>(etw.decoder());

/** Walks `bytes` in uneven chunks (as etw.fromEtl() does) and decodes the frames: the walk's counts and
 *  the events. Anything but a DecodeError (which the decoder never needs here) fails the property. */
function survive(bytes: Uint8Array) {
  const w = new EtlWalker();
  const chunk = 4096 + (bytes.length % 9000);
  let rest = new Uint8Array(0);
  for (let at = 0; at < bytes.length; at += chunk) {
    const buf = concat([rest, bytes.subarray(at, at + chunk)]);
    rest = buf.slice(w.walk(buf, false, 0x7fffffff));
  }
  w.walk(rest, true, 0x7fffffff);
  const frames = w.frames();
  const { batches, skipped } = decoder.decode(frames.bytes.slice());
  // damaged payloads are counted decode errors (a string without its NUL, say), one per frame at most
  expect(Object.values(skipped).reduce((a, v) => a + v!, 0)).toBeLessThanOrEqual(frames.count);
  let received = 0;
  for (const b of batches) for (const e of b) (received++, expect(typeof e.type).toBe('string'));
  return { walk: w.counts(), received };
}

describe.each(inputs)('%s', (_, bytes) => {
  it('truncated anywhere: the whole buffers before the cut, the rest counted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length }), async (cut) => {
        const s = survive(bytes.slice(0, cut));
        expect(s.walk.truncatedBytes + s.walk.skippedBytes).toBeLessThanOrEqual(cut);
      }),
      { numRuns: 40 },
    );
  });

  it('bit-flipped: events, unknown events and counted skips and decode errors, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 40 }), async (flips) => {
        const copy = bytes.slice();
        for (const [at, bit] of flips) copy[at % copy.length]! ^= 1 << bit;
        survive(copy);
      }),
      { numRuns: 60 },
    );
  });

  it('buffers shuffled: every buffer still walks (without a clock before the logfile header)', async () => {
    const parts = buffers(bytes);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(parts.map((_, i) => i), { minLength: parts.length, maxLength: parts.length }), async (order) => {
        const s = survive(concat(order.map((i) => parts[i]!)));
        const whole = survive(bytes);
        expect(s.walk.records).toBe(whole.walk.records);
        expect(s.received).toBe(whole.received);
      }),
      { numRuns: 10 },
    );
  });
});

describe('ETW frames through the decoder', () => {
  let frames: Uint8Array[] = [];
  it('of a real file, damaged: events, skip counts or a DecodeError', async () => {
    const source = etw.fromEtlRaw(etlBytes('ShutdownPerfDiagLogger').subarray(0, 3 * 65536));
    await new Promise<void>((resolve, reject) =>
      source.subscribe({ next: (c: RawFrames) => { for (const f of c) frames.push(f.payload.slice()); }, error: reject, complete: () => resolve() }),
    );
    frames = frames.filter((f) => f.length > 56);
    expect(frames.length).toBeGreaterThan(100);
    const d = new FrameDecoder<EtwBatch>(etw.decoder());
    const toFrame = (p: Uint8Array) => frame(etw.decoder().sourceId, p, p[EtwFrame.etwFlags]! & EtwFlag.ptr32);
    // truncated and mutated runs of real frames (a mutated length can make several frames of one)
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...frames), { minLength: 1, maxLength: 5 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (picked, cut, at, xor) => {
        const bytes = concat(picked.map(toFrame));
        const mutated = bytes.slice(0, (cut % bytes.length) + 1);
        mutated[at % mutated.length]! ^= xor;
        try {
          const { batches, skipped } = d.decode(mutated);
          const n = batches.reduce((a, b) => a + b.length, 0) + Object.values(skipped).reduce((a, v) => a + v!, 0);
          expect(n).toBeLessThanOrEqual(mutated.length / 8);
          for (const b of batches) for (const e of b) expect(typeof e.type).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 2000 },
    );
    // random payloads in well-formed frames: every record decodes, is skipped or is an unknown event
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.uint8Array({ maxLength: 400 }), fc.boolean(), (head, tail, ptr32) => {
        const p = Uint8Array.from([...head.subarray(0, 56), ...tail]);
        const { batches } = d.decode(frame(etw.decoder().sourceId, p, ptr32 ? 1 : 0));
        for (const b of batches) for (const e of b) expect(typeof e.type).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Xpress (MS-XCA plain LZ77)', () => {
  const w = new EtlWalker();
  it('decompresses what the reference compressor wrote, as the reference decompressor does', () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.constantFrom(0, 1, 0x41, 0xff), { maxLength: 5000 }).map((a) => Uint8Array.from(a)), // long matches
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 4000 })).map(([s, n]) => Uint8Array.from({ length: n }, (_, i) => s[i % s.length]!)),
    );
    fc.assert(
      fc.property(data, (src) => {
        const packed = xpressCompressRef(src);
        expect(xpressDecompressRef(packed, src.length)).toEqual(src);
        expect(w.xpress(packed, src.length)).toEqual(src);
      }),
      { numRuns: 300 },
    );
  });

  it('gives bytes within its capacity or an error code on random and mutated input, agreeing with the reference', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 1500 }), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([s, at, x]) => {
        const p = xpressCompressRef(s);
        p[at % p.length]! ^= x;
        return p;
      }),
    );
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 4000 }), (src, capacity) => {
        const got = w.xpress(src, capacity);
        let ref: Uint8Array | undefined;
        try {
          ref = xpressDecompressRef(src, capacity);
        } catch {
          ref = undefined;
        }
        if (typeof got === 'number') {
          expect(got).toBeLessThan(0);
          expect(ref).toBeUndefined();
        } else {
          expect(got.length).toBeLessThanOrEqual(capacity);
          expect(got).toEqual(ref);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
