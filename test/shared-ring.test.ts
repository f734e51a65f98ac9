// Addon tier, no kernel: the addon's shared-ring producer (writeFrames) against the WASM consumer,
// through wrap markers, a full ring, oversize records and partial consumption.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExecBatch, execDecoder, SourceId } from 'kwire';
import { instantiateDecoders } from '../packages/kwire/src/pipeline/decoders.js';
import { allocateSharedRing, RingLayout } from '../packages/kwire/src/pipeline/shared-ring.js';
import { encodeExec, type ExecRecord } from './reference/exec.js';

const addon = createRequire(import.meta.url)('@kwire/native') as typeof import('@kwire/native');

function setup(capacity: number, batchSize: number) {
  const d = instantiateDecoders();
  execDecoder.init(d, batchSize);
  const ring = allocateSharedRing(d, capacity);
  /** Decodes one batch from the ring (at most batchSize records). */
  const consume = (): ExecBatch | undefined => {
    d.exports.cursorRing(ring.base);
    const n = execDecoder.decode(d);
    expect(execDecoder.status(d)).toBe(0);
    return n > 0 ? execDecoder.batch(d, n) : undefined;
  };
  return { d, ring, consume };
}

const record = (pid: number, argBytes: number): ExecRecord => ({
  ts: BigInt(pid) * 1000n, cgroupId: 1n, pid, ppid: 1, uid: 0, gid: 0, pidns: 1, flags: 0, comm: 'c', filename: '/f', argv: ['x'.repeat(argBytes)],
});

describe('shared ring: addon producer, WASM consumer', () => {
  it('delivers every frame in order across wraps, with partial consumption and a full ring', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1900 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        (sizes, batchSize, writeChunks) => {
          const { ring, consume } = setup(4096, batchSize);
          const payloads = sizes.map((s, i) => encodeExec(record(i, s)));
          const got: number[] = [];
          let next = 0;
          let step = 0;
          while (got.length < payloads.length) {
            const chunk = payloads.slice(next, next + writeChunks[step++ % writeChunks.length]!);
            next += addon.writeFrames(ring.view(), SourceId.exec, chunk);
            const batch = consume();
            if (batch) for (let i = 0; i < batch.length; i++) got.push(batch.pid[i]!);
            expect(step).toBeLessThan(100_000); // progress: a bug would loop here forever
          }
          expect(got).toEqual(sizes.map((_, i) => i));
          expect(ring.counter(RingLayout.frames)).toBe(payloads.length);
          expect(ring.pending()).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stops at a full ring without overwriting, and resumes after consumption', () => {
    const { ring, consume } = setup(4096, 1000);
    const payloads = Array.from({ length: 100 }, (_, i) => encodeExec(record(i, 100)));
    const first = addon.writeFrames(ring.view(), SourceId.exec, payloads);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(100);
    expect(addon.writeFrames(ring.view(), SourceId.exec, payloads.slice(first))).toBe(0);
    expect(Array.from(consume()!.pid)).toEqual(payloads.slice(0, first).map((_, i) => i));
    expect(addon.writeFrames(ring.view(), SourceId.exec, payloads.slice(first))).toBeGreaterThan(0);
  });

  it('counts and skips payloads larger than half the ring', () => {
    const { ring, consume } = setup(4096, 16);
    const written = addon.writeFrames(ring.view(), SourceId.exec, [encodeExec(record(1, 10)), encodeExec(record(2, 3000)), encodeExec(record(3, 10))]);
    expect(written).toBe(3);
    expect(ring.counter(RingLayout.oversize)).toBe(1);
    expect(Array.from(consume()!.pid)).toEqual([1, 3]);
  });

  it('refuses a ring without its magic, and a view over plain memory', () => {
    const { ring } = setup(4096, 16);
    expect(() => addon.writeFrames(new Uint8Array(4096 + 256), 1, [])).toThrow(/magic/);
    const view = ring.view();
    view[RingLayout.magic] = 0;
    expect(() => addon.writeFrames(view, 1, [])).toThrow(expect.objectContaining({ code: 'EARG' }));
  });

  it('never walks past the producer position on random ring contents', () => {
    const { d, ring } = setup(4096, 64);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 4096 }), (data, anyStart, anyPublished) => {
        // Positions as a producer would leave them: 8-byte aligned (unaligned ones are refused whole).
        const start = anyStart & ~7;
        const published = anyPublished & ~7;
        const header = new DataView(d.memory.buffer, ring.base, RingLayout.headerSize);
        header.setUint32(RingLayout.consumerPos, start, true);
        header.setUint32(RingLayout.producerPos, (start + published) >>> 0, true);
        d.bytes().set(data, ring.base + RingLayout.headerSize);
        d.exports.cursorRing(ring.base);
        execDecoder.decode(d);
        const status = execDecoder.status(d);
        expect([0, 4]).toContain(status);
        const consumed = (header.getUint32(RingLayout.consumerPos, true) - start) >>> 0;
        expect(consumed).toBeLessThanOrEqual(published);
        if (status === 0) expect(consumed).toBe(published);
      }),
      { numRuns: 1000 },
    );
  });
});
