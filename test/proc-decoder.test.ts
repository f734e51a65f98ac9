// The generated proc connector decoder on synthetic datagrams (and one the kernel sent): every variant
// exactly, bad messages skipped with their status, property tests, and a short fuzz pass (the long one
// is `make fuzz`: scripts/fuzz/proc.mjs).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, FrameDecoder, procDecoder, ProcWhat, SourceId, type ProcBatch, type ProcEvent } from 'kwire';
import { concat, frame } from './reference/frames.js';
import { encodeProc, type ProcMessage } from './reference/proc.js';
import { fuzzTruncatedAndMutated } from './helpers/decoder-fuzz.js';

const decoder = () => new FrameDecoder(procDecoder, 64);
const events = (batches: ProcBatch[]): ProcEvent[] => batches.flatMap((b) => [...b]);
const decode = (messages: Uint8Array[]) => {
  const { batches, skipped } = decoder().decode(concat(messages.map((m) => frame(SourceId.proc, m))));
  return { events: events(batches), skipped };
};
const msg = (what: number, data: number[], comm?: string): ProcMessage => ({ what, cpu: 1, ts: 123_456_789n, data, ...(comm ? { comm } : {}) });
const head = { ts: 123_456_789n, cpu: 1 };

describe('proc connector decoder', () => {
  it('decodes every variant of proc_event into its event', () => {
    const { events: got, skipped } = decode([
      msg(ProcWhat.fork, [100, 100, 101, 101]),
      msg(ProcWhat.exec, [101, 101]),
      msg(ProcWhat.uid, [101, 101, 0, 65534]),
      msg(ProcWhat.gid, [101, 101, 5, 6]),
      msg(ProcWhat.sid, [101, 101]),
      msg(ProcWhat.ptrace, [101, 101, 99, 98]),
      msg(ProcWhat.comm, [102, 101], 'worker'),
      msg(ProcWhat.coredump, [101, 101, 100, 100]),
      msg(ProcWhat.exit, [101, 101, 0x8b, 17, 100, 100]),
      msg(ProcWhat.exit, [102, 101, 7 << 8, -1, 100, 100]),
      msg(ProcWhat.ack, [0]),
    ].map(encodeProc));
    expect(skipped).toEqual({});
    expect(got).toEqual([
      { type: 'proc-fork', ...head, pid: 101, tgid: 101, ppid: 100, ptgid: 100 },
      { type: 'proc-exec', ...head, pid: 101, tgid: 101 },
      { type: 'proc-uid', ...head, pid: 101, tgid: 101, ruid: 0, euid: 65534 },
      { type: 'proc-gid', ...head, pid: 101, tgid: 101, rgid: 5, egid: 6 },
      { type: 'proc-sid', ...head, pid: 101, tgid: 101 },
      { type: 'proc-ptrace', ...head, pid: 101, tgid: 101, tracerPid: 99, tracerTgid: 98 },
      { type: 'proc-comm', ...head, pid: 102, tgid: 101, comm: 'worker' },
      { type: 'proc-coredump', ...head, pid: 101, tgid: 101, ppid: 100, ptgid: 100 },
      { type: 'proc-exit', ...head, pid: 101, tgid: 101, status: 0x8b, exitCode: 0, signal: 11, coreDump: true, exitSignal: 17, ppid: 100, ptgid: 100 },
      { type: 'proc-exit', ...head, pid: 102, tgid: 101, status: 0x700, exitCode: 7, signal: 0, coreDump: false, exitSignal: -1, ppid: 100, ptgid: 100 },
      { type: 'proc-ack', ...head, pid: 0, tgid: 0, err: 0 },
    ]);
  });

  it('decodes a datagram the kernel sent (the ack of PROC_CN_MCAST_LISTEN)', () => {
    const kernel = Uint8Array.from(Buffer.from('4c00000003000000000000000000000001000000010000000000000001000000280000000000000000000000e1aeca80da050000000000000000000000000000000000000000000000000000', 'hex'));
    expect(decode([kernel]).events).toEqual([{ type: 'proc-ack', ts: 0x5da80caaee1n, cpu: 0, pid: 0, tgid: 0, err: 0 }]);
  });

  it('columns: one per head field, a variant index and <variant><Field>; eventName(i) names the variant', () => {
    const { batches } = decoder().decode(concat([msg(ProcWhat.exit, [5, 5, 0, 17, 1, 1]), msg(ProcWhat.fork, [1, 1, 5, 5])].map((m) => frame(SourceId.proc, encodeProc(m)))));
    const b = batches[0]!;
    expect([b.eventName(0), b.eventName(1)]).toEqual(['exit', 'fork']);
    expect([...b.exitProcessTgid]).toEqual([5, 0]);
    expect([...b.forkChildPid]).toEqual([0, 5]);
    expect([...b.what]).toEqual([ProcWhat.exit, ProcWhat.fork]);
  });

  it.each([
    ['an unknown what (0x400)', (m: Uint8Array) => new DataView(m.buffer).setUint32(36, 0x400, true), 'badValue'],
    ['the NONZERO_EXIT filter bit as a what', (m: Uint8Array) => new DataView(m.buffer).setUint32(36, 0x20000000, true), 'badValue'],
    ['nlmsg_len that is not 76', (m: Uint8Array) => new DataView(m.buffer).setUint32(0, 80, true), 'badValue'],
    ['a type other than NLMSG_DONE', (m: Uint8Array) => new DataView(m.buffer).setUint16(4, 2, true), 'badValue'],
    ['another connector index', (m: Uint8Array) => new DataView(m.buffer).setUint32(16, 2, true), 'badValue'],
    ['cn_msg.len that is not 40', (m: Uint8Array) => new DataView(m.buffer).setUint16(32, 24, true), 'badValue'],
  ])('skips a message with %s and counts it', (_, edit, status) => {
    const bad = encodeProc(msg(ProcWhat.exec, [7, 7]));
    edit(bad);
    const { events: got, skipped } = decode([bad, encodeProc(msg(ProcWhat.exec, [8, 8]))]);
    expect(skipped).toEqual({ [status]: 1 });
    expect(got.map((e) => e.pid)).toEqual([8]);
  });

  it('skips a short datagram as TRUNCATED and a long one as BAD_LENGTH', () => {
    const m = encodeProc(msg(ProcWhat.exit, [1, 1, 0, 17, 1, 1]));
    const long = new Uint8Array(84);
    long.set(m);
    const { events: got, skipped } = decode([m.subarray(0, 75), m.subarray(0, 53), m.subarray(0, 20), long, m]);
    expect(skipped).toEqual({ truncated: 3, badLength: 1 });
    expect(got).toHaveLength(1);
  });

  const arbMessage: fc.Arbitrary<ProcMessage> = fc.record({
    what: fc.constantFrom(...Object.values(ProcWhat)),
    cpu: fc.nat({ max: 4095 }),
    ts: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    data: fc.array(fc.nat({ max: 0x7fffffff }), { minLength: 6, maxLength: 6 }),
  });

  it('property: any well-formed message decodes to its what, cpu, time and ids', () => {
    fc.assert(
      fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 20 }), (ms) => {
        const { events: got, skipped } = decode(ms.map(encodeProc));
        expect(skipped).toEqual({});
        expect(got.map((e) => [e.type.slice(5), e.cpu, e.ts])).toEqual(ms.map((m) => [Object.keys(ProcWhat).find((k) => ProcWhat[k as keyof typeof ProcWhat] === m.what), m.cpu, m.ts]));
        got.forEach((e, i) => {
          const d = ms[i]!.data;
          if (e.type === 'proc-fork') expect([e.ppid, e.ptgid, e.pid, e.tgid]).toEqual(d.slice(0, 4));
          else if (e.type === 'proc-ack') expect(e.err).toBe(d[0]);
          else expect([e.pid, e.tgid]).toEqual(d.slice(0, 2));
          if (e.type === 'proc-exit') expect([e.status, e.exitSignal, e.ppid, e.ptgid]).toEqual(d.slice(2, 6));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('property: every other variant\'s columns read zero, across batches, packs and skipped records', () => {
    const d = new FrameDecoder(procDecoder, 7); // batches of 7: many packs and decodes on one instance
    const variantColumns = (b: ProcBatch) => Object.entries(b).filter(([k, v]) => ArrayBuffer.isView(v) && /^(ack|fork|exec|uid|gid|sid|ptrace|comm|coredump|exit)[A-Z]/.test(k)) as [string, Uint32Array | Uint8Array][];
    fc.assert(
      fc.property(fc.array(fc.tuple(arbMessage, fc.boolean()), { minLength: 1, maxLength: 60 }), (ms) => {
        // some messages cut short: skipped records must leave nothing behind in the next row
        const frames = ms.map(([m, cut]) => frame(SourceId.proc, cut ? encodeProc(m).subarray(0, 70) : encodeProc(m)));
        const { batches, skipped } = d.decode(concat(frames));
        expect(skipped.truncated ?? 0).toBe(ms.filter(([, cut]) => cut).length);
        for (const b of batches) {
          for (let i = 0; i < b.length; i++) {
            const own = b.eventName(i);
            for (const [name, column] of variantColumns(b)) {
              if (name.startsWith(own)) continue;
              const width = column.length / b.length;
              for (let k = 0; k < width; k++) expect(column[i * width + k], `${name} of a ${own} row`).toBe(0);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('fuzz (short; make fuzz runs 10^6): random frames give proc events, counted skips or a DecodeError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 120 }), { maxLength: 8 }), (payloads) => {
        try {
          const { batches } = decoder().decode(concat(payloads.map((p) => frame(SourceId.proc, p))));
          for (const e of events(batches)) expect(e.type).toMatch(/^proc-/);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz (short): truncated and mutated messages never crash', () => {
    fuzzTruncatedAndMutated(decoder(), arbMessage, (m) => frame(SourceId.proc, encodeProc(m)));
  });
});
