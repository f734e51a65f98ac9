// The WASM exit decoder on synthetic frames: exact values, skips with status, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWaitStatus, DecodeError, encodeWaitStatus, exitDecoder, FrameDecoder, SourceId, type ExitBatch, type ExitEvent } from 'kwire';
import { encodeExit, type ExitRecord } from './reference/exit.js';
import { concat, frame } from './reference/frames.js';
import { fuzzRandomBytes, fuzzTruncatedAndMutated } from './helpers/decoder-fuzz.js';

const sample: ExitRecord = {
  startTime: 1_000_000_000n,
  exitTime: 3_500_000_000n,
  cgroupId: 2n ** 63n + 5n,
  pidnsDev: 4n,
  pid: 4242,
  tid: 4243,
  ppid: 1,
  status: 0x8b, // SIGSEGV, core dumped
  pidns: 4026531836,
  flags: 1,
  comm: 'crashy',
};

const events = (batches: ExitBatch[]): ExitEvent[] => batches.flatMap((b) => [...b]);
const decoder = () => new FrameDecoder(exitDecoder, 64);

describe('wait status', () => {
  it.each([
    [0, { exitCode: 0, signal: 0, coreDump: false }],
    [0x0100, { exitCode: 1, signal: 0, coreDump: false }],
    [0x7f00, { exitCode: 127, signal: 0, coreDump: false }],
    [0xff00, { exitCode: 255, signal: 0, coreDump: false }],
    [9, { exitCode: 0, signal: 9, coreDump: false }],
    [15, { exitCode: 0, signal: 15, coreDump: false }],
    [0x86, { exitCode: 0, signal: 6, coreDump: true }],
  ])('splits %i as the libc macros do', (status, expected) => {
    expect(decodeWaitStatus(status)).toEqual(expected);
    expect(encodeWaitStatus(expected)).toBe(status);
  });
});

describe('exit decoder', () => {
  it('decodes every field of a record', () => {
    const { batches, skipped } = decoder().decode(frame(SourceId.exit, encodeExit(sample)));
    expect(skipped).toEqual({});
    expect(events(batches)).toEqual([
      {
        type: 'exit',
        pid: 4242,
        tid: 4243,
        ppid: 1,
        exitCode: 0,
        signal: 11,
        coreDump: true,
        status: 0x8b,
        startTime: 1_000_000_000n,
        exitTime: 3_500_000_000n,
        comm: 'crashy',
        pidns: 4026531836,
        pidnsDev: 4n,
        cgroupId: 9223372036854775813n,
      },
    ]);
  });

  it('gives columns across batches, each valid after later ones', () => {
    const records = Array.from({ length: 150 }, (_, i) => ({ ...sample, pid: i, status: (i & 0xff) << 8, comm: `p${i}` }));
    const d = decoder();
    const { batches } = d.decode(concat(records.map((r) => frame(SourceId.exit, encodeExit(r)))));
    expect(batches.map((b) => b.length)).toEqual([64, 64, 22]);
    d.decode(frame(SourceId.exit, encodeExit({ ...sample, pid: 9 })));
    expect(Array.from(batches[1]!.pid.subarray(0, 3))).toEqual([64, 65, 66]);
    expect(batches[2]!.get(21)).toMatchObject({ pid: 149, exitCode: 149, comm: 'p149' });
    expect(batches[0]!.comm(0)).toBe('p0');
  });

  it.each([
    ['a frame shorter than the record', frame(SourceId.exit, new Uint8Array(71)), { truncated: 1 }],
    ['a frame longer than the record', frame(SourceId.exit, new Uint8Array(80)), { badLength: 1 }],
    ['a frame of another source', frame(SourceId.exec, encodeExit(sample)), { unknownSource: 1 }],
  ])('skips %s with a status count', (_name, bytes, expected) => {
    const { batches, skipped } = decoder().decode(concat([bytes, frame(SourceId.exit, encodeExit(sample))]));
    expect(skipped).toEqual(expected);
    expect(events(batches).map((e) => e.pid)).toEqual([4242]);
  });

  it('refuses a frame header that claims more bytes than there are', () => {
    const bytes = frame(SourceId.exit, encodeExit(sample));
    new DataView(bytes.buffer).setUint32(0, 1 << 20, true);
    expect(() => decoder().decode(bytes)).toThrow(DecodeError);
  });
});

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const u32 = fc.nat({ max: 0xffffffff });
const arbRecord: fc.Arbitrary<ExitRecord> = fc.record({
  startTime: u64,
  exitTime: u64,
  cgroupId: u64,
  pidnsDev: u64,
  pid: u32,
  tid: u32,
  ppid: u32,
  status: fc.oneof(fc.nat({ max: 255 }).map((c) => c << 8), fc.integer({ min: 1, max: 0x7e }), fc.integer({ min: 1, max: 0x7e }).map((s) => s | 0x80)),
  pidns: u32,
  flags: fc.constantFrom(0, 1),
  comm: fc.string({ unit: 'grapheme-ascii', maxLength: 15 }).filter((s) => !s.includes('\0')),
});

describe('exit decoder properties', () => {
  it('round-trips any record through the reference encoder', () => {
    const d = decoder();
    fc.assert(
      fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 100 }), (records) => {
        const { batches, skipped } = d.decode(concat(records.map((r) => frame(SourceId.exit, encodeExit(r)))));
        expect(skipped).toEqual({});
        const got = events(batches);
        expect(got).toHaveLength(records.length);
        got.forEach((e, i) => {
          const r = records[i]!;
          expect(e).toEqual({
            type: 'exit', pid: r.pid, tid: r.tid, ppid: r.ppid, ...decodeWaitStatus(r.status), status: r.status,
            startTime: r.startTime, exitTime: r.exitTime, comm: r.comm, pidns: r.pidns, pidnsDev: r.pidnsDev, cgroupId: r.cgroupId,
          });
          expect(encodeWaitStatus(e)).toBe(r.status);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never crashes on random bytes: records decode, are skipped, or the input is refused', () => {
    fuzzRandomBytes(decoder(), 'exit');
  });

  it('handles every truncation and byte mutation of valid frames', () => {
    fuzzTruncatedAndMutated(decoder(), arbRecord, (r) => frame(SourceId.exit, encodeExit(r)));
  });
});
