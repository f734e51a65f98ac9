// The loadgen decoder on synthetic frames: examples, the layout against BTF, properties and fuzzing.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, loadgenDecoder, SourceId, isKwireError, type LoadgenBatch } from 'kwire';
import { btfStruct } from './helpers/btf.js';
import { repoPath } from './helpers/repo.js';
import { concat, frame } from './reference/frames.js';
import { encodeLoadgen, LOADGEN_SIZE, type LoadgenRecord } from './reference/loadgen.js';

const decode = (frames: Uint8Array) => new FrameDecoder(loadgenDecoder, 64).decode(frames);
const events = (batches: LoadgenBatch[]) => batches.flatMap((b) => [...b]).map(({ seq, ts, cpu, tag }) => ({ seq, ts, cpu, tag }));

describe('loadgen decoder', () => {
  it('decodes every field, with or without the perf transport padding', () => {
    const r = { seq: 2n ** 64n - 1n, ts: 123456789n, cpu: 1, tag: 0xdeadbeef };
    const out = decode(concat([frame(SourceId.loadgen, encodeLoadgen(r)), frame(SourceId.loadgen, encodeLoadgen(r, 4))]));
    expect(events(out.batches)).toEqual([r, r]);
    expect(out.skipped).toEqual({});
  });

  it('skips truncated frames and frames of another source, and counts them', () => {
    const good = encodeLoadgen({ seq: 1n, ts: 2n, cpu: 0, tag: 0 });
    const out = decode(concat([frame(SourceId.loadgen, good.subarray(0, 100)), frame(SourceId.exec, good), frame(SourceId.loadgen, good)]));
    expect(events(out.batches)).toHaveLength(1);
    expect(out.skipped).toEqual({ truncated: 1, unknownSource: 1 });
  });

  it('reads every BTF member at its BTF offset', () => {
    const btf = btfStruct(repoPath('bpf/.output/loadgen.bpf.o'), 'loadgen_event');
    const constants = new Map([...readFileSync(repoPath('assembly/generated/loadgen.ts'), 'utf8').matchAll(/^const (\w+): \w+ = (\d+);/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(btf.size).toBe(LOADGEN_SIZE);
    expect(constants.get('SIZE')).toBe(btf.size);
    for (const { name, offset } of btf.members) expect(constants.get(`OFF_${name.toUpperCase()}`), name).toBe(offset);
  });

  const arbRecord: fc.Arbitrary<LoadgenRecord> = fc.record({
    seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    ts: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    cpu: fc.nat({ max: 63 }),
    tag: fc.nat({ max: 0xffffffff }),
  });

  it('round-trips any records across batch boundaries', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 300 }), (records) => {
        const out = decode(concat(records.map((r) => frame(SourceId.loadgen, encodeLoadgen(r)))));
        expect(events(out.batches)).toEqual(records);
      }),
      { numRuns: 50 },
    );
  });

  it('never crashes on random or mutated bytes: records, skips, or a typed error', () => {
    const valid = concat(Array.from({ length: 8 }, (_, i) => frame(SourceId.loadgen, encodeLoadgen({ seq: BigInt(i), ts: 1n, cpu: 0, tag: 0 }))));
    const mutated = fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })), { maxLength: 20 }).map((edits) => {
      const b = valid.slice();
      for (const [at, v] of edits) b[at] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), mutated), (bytes) => {
        try {
          const out = decode(bytes);
          for (const b of out.batches) expect(b.length).toBeLessThanOrEqual(64);
        } catch (error) {
          expect(isKwireError(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
