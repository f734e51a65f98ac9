// The NATS message codec under bad input (property tests, fast-check): random bytes, truncated and
// mutated messages, and slabs whose counts lie give KwireError EDECODE, never another error, a hang
// or a read beyond the message; every valid message decodes to the batches that went in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execDecoder, FrameDecoder, isKwireError, loadgenDecoder, type Batch } from 'kwire';
import { batchSlab } from 'kwire/gen';
import { decodeMessage, encodeMessage, messageBatches } from '../packages/nats/dist/batch-message.js';
import { natsKind } from '../packages/nats/dist/kinds.js';
import { encodeExec } from './reference/exec.js';
import { encodeLoadgen } from './reference/loadgen.js';
import { concat, frame } from './reference/frames.js';

const header = (source: string, id: number, layout: number) => ({ host: 'h', source, id, layout, session: 's', seq: 0, first: 0, boot: 1 });

function execBatch(args: string[][]): Batch<unknown> {
  const frames = concat(args.map((argv, i) => frame(execDecoder.sourceId, encodeExec({ pid: i, ppid: 1, uid: 0, gid: 0, pidns: 1, flags: 0, cgroupId: 5n, ts: BigInt(i), comm: 'x', filename: argv[0] ?? '', argv }))));
  return new FrameDecoder(execDecoder).decode(frames).batches[0]!;
}
function loadgenBatch(n: number): Batch<unknown> {
  const frames = concat(Array.from({ length: n }, (_, i) => frame(loadgenDecoder.sourceId, encodeLoadgen({ seq: BigInt(i), ts: 1n, cpu: 0, tag: 1 }))));
  return new FrameDecoder(loadgenDecoder).decode(frames).batches[0]!;
}

/** Decodes a message all the way to events; returns 'ok' or the error's code. */
function decodeAll(bytes: Uint8Array): string {
  try {
    const m = decodeMessage(bytes);
    const kind = natsKind(m.source);
    if (!kind) return 'unknown kind';
    for (const b of messageBatches(m, kind)) for (const e of b) void e;
    return 'ok';
  } catch (error) {
    if (isKwireError(error) && error.code === 'EDECODE') return 'EDECODE';
    throw error;
  }
}

const exec = natsKind('exec')!;
const loadgen = natsKind('loadgen')!;
const validExec = (args: string[][]) => encodeMessage(header('exec', exec.id, exec.layout), [batchSlab(execBatch(args))!]);

describe('NATS messages', () => {
  it('round-trip exec batches (strings) and loadgen batches, several to a message', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 300 }), (args, n) => {
        const e = execBatch(args);
        const m = decodeMessage(validExec(args));
        expect(messageBatches(m, exec).map((b) => [...b])).toEqual([[...e]]);
        const l = [loadgenBatch(n), loadgenBatch(1)];
        const lm = decodeMessage(encodeMessage(header('loadgen', loadgen.id, loadgen.layout), l.map((b) => batchSlab(b)!)));
        expect(lm.events).toBe(n + 1);
        expect(messageBatches(lm, loadgen).map((b) => [...b])).toEqual(l.map((b) => [...b]));
      }),
      { numRuns: 100 },
    );
  });

  it('random bytes: EDECODE or a valid message, never another error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => void expect(['ok', 'EDECODE', 'unknown kind']).toContain(decodeAll(bytes))), { numRuns: 2000 });
  });

  it('truncated and mutated messages: EDECODE or decoded, never another error', () => {
    const valid = validExec([['/bin/sh', '-c', 'true'], ['/usr/bin/env', 'node']]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length }), fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (cut, flips) => {
        const bytes = valid.slice(0, cut);
        for (const [at, v] of flips) if (at < bytes.length) bytes[at] = v;
        expect(['ok', 'EDECODE', 'unknown kind']).toContain(decodeAll(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('slabs whose counts lie are EDECODE before anything is allocated', () => {
    const slab = batchSlab(loadgenBatch(10))!;
    for (const [length, heap, bytes] of [[11, 0, slab.bytes], [1e9, 0, slab.bytes], [10, 8, slab.bytes], [-1, 0, slab.bytes], [10, 0, slab.bytes.subarray(1)]] as const) {
      const m = encodeMessage(header('loadgen', loadgen.id, loadgen.layout), [{ length, heap, bytes }]);
      expect(decodeAll(m)).toBe('EDECODE');
    }
    expect(decodeAll(encodeMessage(header('loadgen', loadgen.id, loadgen.layout + 1), [slab]))).toBe('EDECODE'); // another layout version
  });
});
