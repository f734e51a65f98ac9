// The WASM exec decoder on synthetic frames: exact values, skips with status, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, ExecBatch, execDecoder, FrameDecoder, SourceId, type ExecEvent } from 'kwire';
import { encodeExec, type ExecRecord } from './reference/exec.js';
import { concat, frame } from './reference/frames.js';
import { fuzzRandomBytes, fuzzTruncatedAndMutated } from './helpers/decoder-fuzz.js';

const sample: ExecRecord = {
  ts: 123456789012345678n,
  cgroupId: 2n ** 63n + 5n,
  pid: 4242,
  ppid: 1,
  uid: 1000,
  gid: 100,
  pidns: 4026531836,
  flags: 0,
  comm: 'true',
  filename: '/usr/bin/true',
  argv: ['true', '', 'héllo wörld ✓'],
};

const events = (batches: ExecBatch[]): ExecEvent[] => batches.flatMap((b) => [...b]);
const decoder = () => new FrameDecoder(execDecoder, 64);

describe('exec decoder', () => {
  it('decodes every field of a record', () => {
    const { batches, skipped } = decoder().decode(frame(SourceId.exec, encodeExec(sample)));
    expect(skipped).toEqual({});
    expect(events(batches)).toEqual([
      {
        type: 'exec',
        ts: 123456789012345678n,
        cgroupId: 9223372036854775813n,
        pid: 4242,
        ppid: 1,
        uid: 1000,
        gid: 100,
        pidns: 4026531836,
        comm: 'true',
        filename: '/usr/bin/true',
        argv: ['true', '', 'héllo wörld ✓'],
        truncated: false,
        ret: 0,
      },
    ]);
  });

  it('gives columns and lazy strings', () => {
    const records = Array.from({ length: 150 }, (_, i) => ({ ...sample, pid: i, argv: ['a'.repeat(i)] }));
    const { batches } = decoder().decode(concat(records.map((r) => frame(SourceId.exec, encodeExec(r)))));
    expect(batches.map((b) => b.length)).toEqual([64, 64, 22]);
    expect(Array.from(batches[1]!.pid.subarray(0, 3))).toEqual([64, 65, 66]);
    expect(batches[2]!.argv(21)).toEqual(['a'.repeat(149)]);
    expect(batches[0]!.filename(0)).toBe('/usr/bin/true');
  });

  it('keeps a batch valid after later batches are decoded', () => {
    const d = decoder();
    const first = d.decode(frame(SourceId.exec, encodeExec(sample))).batches[0]!;
    d.decode(frame(SourceId.exec, encodeExec({ ...sample, pid: 7, filename: '/other', argv: ['x'] })));
    expect(first.get(0).pid).toBe(4242);
    expect(first.get(0).filename).toBe('/usr/bin/true');
  });

  it('flags truncation', () => {
    const { batches } = decoder().decode(frame(SourceId.exec, encodeExec({ ...sample, flags: 1 })));
    expect(batches[0]!.get(0).truncated).toBe(true);
  });

  it.each([
    ['a frame shorter than the head', frame(SourceId.exec, new Uint8Array(63)), { truncated: 1 }],
    ['a tail longer than the frame', frame(SourceId.exec, encodeExec(sample).subarray(0, 70)), { badLength: 1 }],
    ['a frame of another source', frame(SourceId.exit, encodeExec(sample)), { unknownSource: 1 }],
  ])('skips %s with a status count', (_name, bytes, expected) => {
    const { batches, skipped } = decoder().decode(concat([bytes, frame(SourceId.exec, encodeExec(sample))]));
    expect(skipped).toEqual(expected);
    expect(events(batches).map((e) => e.pid)).toEqual([4242]);
  });

  it('refuses a frame header that claims more bytes than there are', () => {
    const bytes = frame(SourceId.exec, encodeExec(sample));
    new DataView(bytes.buffer).setUint32(0, 1 << 20, true);
    expect(() => decoder().decode(bytes)).toThrow(DecodeError);
  });
});

const arbRecord: fc.Arbitrary<ExecRecord> = fc.record({
  ts: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  cgroupId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  pid: fc.nat({ max: 0xffffffff }),
  ppid: fc.nat({ max: 0xffffffff }),
  uid: fc.nat({ max: 0xffffffff }),
  gid: fc.nat({ max: 0xffffffff }),
  pidns: fc.nat({ max: 0xffffffff }),
  // truncation bits, or a failed exec's flag with its errno in bits 16..31
  flags: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 1, max: 4095 }).map((errno) => (0x8 | (errno << 16)) >>> 0)),
  comm: fc.string({ unit: 'grapheme-ascii', maxLength: 15 }).filter((s) => !s.includes('\0')),
  filename: fc.string({ maxLength: 300 }).filter((s) => !s.includes('\0')),
  argv: fc.array(fc.string({ unit: 'grapheme', maxLength: 200 }).filter((s) => !s.includes('\0')), { maxLength: 20 }),
});

describe('exec decoder properties', () => {
  it('round-trips any record through the reference encoder', () => {
    const d = decoder();
    fc.assert(
      fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 100 }), (records) => {
        const { batches, skipped } = d.decode(concat(records.map((r) => frame(SourceId.exec, encodeExec(r)))));
        expect(skipped).toEqual({});
        const got = events(batches);
        expect(got).toHaveLength(records.length);
        got.forEach((e, i) => {
          const r = records[i]!;
          expect(e).toEqual({ type: 'exec', ts: r.ts, cgroupId: r.cgroupId, pid: r.pid, ppid: r.ppid, uid: r.uid, gid: r.gid, pidns: r.pidns, comm: r.comm, filename: r.filename, argv: r.argv, truncated: (r.flags & 3) !== 0, ret: r.flags & 8 ? -(r.flags >>> 16) : 0 });
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never crashes on random bytes: records decode, are skipped, or the input is refused', () => {
    fuzzRandomBytes(decoder(), 'exec');
  });

  it('handles every truncation and byte mutation of valid frames', () => {
    fuzzTruncatedAndMutated(decoder(), arbRecord, (r) => frame(SourceId.exec, encodeExec(r)));
  });
});
