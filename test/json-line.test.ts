// The JSON text of an event (packages/cli/src/output.ts jsonLine, kwire's isoTime): built piece by
// piece for speed, so checked against the plain way on random events: the same text as JSON.stringify
// with 64-bit values as decimal strings and bytes as escapeBytes text, and the same ISO time as Date's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from 'kwire/gen';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeBytes, jsonLine, setOutputTarget, writeOut } from '../packages/cli/src/output.js';

/** The plain way (what jsonLine did before): a converted copy, then JSON.stringify. */
function reference(event: Record<string, unknown>): string {
  const flat: Record<string, unknown> = {};
  for (const key in event) {
    const value = event[key];
    flat[key] = typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? escapeBytes(value) : value;
  }
  try {
    return JSON.stringify(flat);
  } catch {
    return JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? escapeBytes(v) : v));
  }
}

const value = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 12 }),
  fc.array(fc.string(), { maxLength: 4 }),
  fc.record({ a: fc.integer(), b: fc.oneof(fc.string(), fc.bigInt()) }),
);

describe('jsonLine', () => {
  it('writes the text JSON.stringify writes for the converted event, on random events', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 10 }), (event) => {
        expect(jsonLine(event)).toBe(reference(event));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes an exec event as before, key order included', () => {
    const event = { type: 'exec', ts: 18802715646817n, time: '2026-12-02T02:11:05.195651Z', pid: 9840, comm: 'ba"sh\u0001', argv: ['bash', '-c', 'x'], truncated: false, cgroupId: 1n, argsRaw: new Uint8Array([0x41, 0xff]) };
    expect(jsonLine(event)).toBe('{"type":"exec","ts":"18802715646817","time":"2026-12-02T02:11:05.195651Z","pid":9840,"comm":"ba\\"sh\\u0001","argv":["bash","-c","x"],"truncated":false,"cgroupId":"1","argsRaw":"A\\\\xff"}');
  });
});

describe('isoTime', () => {
  it("gives Date's ISO time with the microseconds, in and out of order across seconds", () => {
    const ns = fc.bigInt({ min: 0n, max: 253_402_300_799_999_999_999n }); // up to 9999-12-31
    fc.assert(
      fc.property(fc.array(ns, { minLength: 1, maxLength: 8 }), (times) => {
        for (const t of times) {
          const ms = Number(t / 1_000_000n);
          const micros = String((t % 1_000_000n) / 1000n).padStart(3, '0');
          expect(isoTime(t)).toBe(`${new Date(ms).toISOString().slice(0, 23)}${micros}Z`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('formats instants before 1970 from their floor second', () => {
    expect(isoTime(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoTime(-1_000_000_001n)).toBe('1969-12-31T23:59:58.999999Z');
  });
});

describe('writeOut', () => {
  it('writes every text exactly, through its reused buffer: multi-byte, growing, shrinking, bytes between', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw16-writeout-'));
    const path = join(dir, 'out');
    const fd = openSync(path, 'w');
    let wrote = 0;
    setOutputTarget({ fd, wrote: (n) => (wrote += n) });
    try {
      const texts = ['plain\n', 'é ✓ 𝄞 \u0000\n', 'x'.repeat(200_000) + '\n', '短い\n', '𝄞'.repeat(40_000) + '\n'];
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 20 }), (more) => void texts.push(...more)),
        { numRuns: 20 },
      );
      for (const t of texts) writeOut(t);
      writeOut(new Uint8Array([0xff, 0x0a]));
      const expected = Buffer.concat([...texts.map((t) => Buffer.from(t)), Buffer.from([0xff, 0x0a])]);
      expect(readFileSync(path).equals(expected)).toBe(true);
      expect(wrote).toBe(expected.length);
    } finally {
      setOutputTarget({ fd: 1, wrote: () => {} });
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
