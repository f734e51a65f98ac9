// The generated fixed-layout decoders' run walk (frames read straight from memory, the cursor moved once
// per run) against the frame-by-frame cursor: through the addon's shared ring with wrap markers and
// partial consumption, and on linear buffers mixing sources, odd lengths and perf-style padding.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitDecoder, FrameDecoder, loadgenDecoder, SourceId, type ExitBatch } from 'kwire';
import { instantiateDecoders } from '../packages/kwire/src/pipeline/decoders.js';
import { allocateSharedRing } from '../packages/kwire/src/pipeline/shared-ring.js';
import { encodeExit, type ExitRecord } from './reference/exit.js';
import { concat, frame } from './reference/frames.js';
import { encodeLoadgen } from './reference/loadgen.js';

const addon = createRequire(import.meta.url)('@kwire/native') as typeof import('@kwire/native');

const exitRecord = (pid: number): ExitRecord => ({
  startTime: 1n, exitTime: 2n, cgroupId: 3n, pidnsDev: 4n, pid, tid: pid, ppid: 1, status: 0, pidns: 5, flags: 1, comm: `p${pid}`,
});

describe('generated fixed-layout decoder', () => {
  it('delivers every exit record in order through the shared ring, across wraps and partial batches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 70 }), fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 10 }), (count, batchSize, chunks) => {
        const d = instantiateDecoders();
        exitDecoder.init(d, batchSize);
        const ring = allocateSharedRing(d, 4096);
        const payloads = Array.from({ length: count }, (_, i) => encodeExit(exitRecord(i)));
        const got: number[] = [];
        let next = 0;
        let step = 0;
        while (got.length < count) {
          next += addon.writeFrames(ring.view(), SourceId.exit, payloads.slice(next, next + chunks[step++ % chunks.length]!));
          d.exports.cursorRing(ring.base);
          const n = exitDecoder.decode(d);
          expect(exitDecoder.status(d)).toBe(0);
          if (n > 0) {
            const b: ExitBatch = exitDecoder.batch(d, n);
            for (let i = 0; i < b.length; i++) got.push(b.pid[i]!), expect(b.comm(i)).toBe(`p${b.pid[i]}`);
          }
          expect(step).toBeLessThan(100_000);
        }
        expect(got).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(ring.pending()).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with a frame-by-frame model on mixed frames: sources, lengths, padding', () => {
    // Each frame: a good exit record, one padded as a perf sample pads it (72 → 76 bytes: good too),
    // one of another source, a short one, a long one.
    const kind = fc.constantFrom('good', 'perf', 'other', 'short', 'long');
    fc.assert(
      fc.property(fc.array(kind, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (kinds, batchSize) => {
        const frames = kinds.map((k, i) => {
          const r = encodeExit(exitRecord(i));
          if (k === 'other') return frame(SourceId.exec, r);
          if (k === 'short') return frame(SourceId.exit, r.subarray(0, 71));
          if (k === 'perf') return frame(SourceId.exit, concat([r, new Uint8Array(4)]));
          if (k === 'long') return frame(SourceId.exit, concat([r, new Uint8Array(8)]));
          return frame(SourceId.exit, r);
        });
        const { batches, skipped } = new FrameDecoder(exitDecoder, batchSize).decode(concat(frames));
        const count = (k: string) => kinds.filter((x) => x === k).length;
        expect(batches.flatMap((b) => Array.from(b.pid))).toEqual(kinds.flatMap((k, i) => (k === 'good' || k === 'perf' ? [i] : [])));
        expect(batches.every((b) => b.length <= batchSize)).toBe(true);
        const expected = Object.fromEntries(([['unknownSource', count('other')], ['truncated', count('short')], ['badLength', count('long')]] as const).filter(([, v]) => v > 0));
        expect(skipped).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('takes loadgen records padded by perf (108 bytes) and unpadded ones in one run', () => {
    const frames = Array.from({ length: 100 }, (_, i) => frame(SourceId.loadgen, encodeLoadgen({ seq: BigInt(i), ts: 1n, cpu: 0, tag: 0 }, i % 3 === 0 ? 4 : 0)));
    const { batches, skipped } = new FrameDecoder(loadgenDecoder, 64).decode(concat(frames));
    expect(skipped).toEqual({});
    expect(batches.flatMap((b) => Array.from(b.seq, Number))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
