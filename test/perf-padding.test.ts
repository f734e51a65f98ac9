// A perf event array pads each raw sample so that its u32 size + data is a multiple of 8: a 72-byte
// exit record arrives as 76 bytes. Fixed-size decoders accept exactly that padding, nothing else.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineDecoder, defineLayout, exitDecoder, FrameDecoder, SourceId, USER_SOURCE_ID } from 'kwire';
import { encodeExit } from './reference/exit.js';
import { concat, frame } from './reference/frames.js';
import { exitRecord } from './helpers/capture.js';

const padded = (bytes: Uint8Array, n: number) => concat([bytes, new Uint8Array(n)]);

describe('perf sample padding', () => {
  it.each([
    [0, {}],
    [4, {}],
    [8, { badLength: 1 }],
    [2, { badLength: 1 }],
  ])('an exit record followed by %i padding bytes: skipped %j', (n, skipped) => {
    const bytes = concat([frame(SourceId.exit, padded(encodeExit(exitRecord(1)), n)), frame(SourceId.exit, encodeExit(exitRecord(2)))]);
    const result = new FrameDecoder(exitDecoder).decode(bytes);
    expect(result.skipped).toEqual(skipped);
    expect(result.batches.flatMap((b) => [...b]).map((e) => e.pid)).toEqual(n === 0 || n === 4 ? [301, 302] : [302]);
  });

  it('a generated fixed-size decoder (16 bytes, 20 from perf) accepts exactly that padding', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kw-pad-'));
    try {
      const decoder = await defineDecoder(defineLayout({ name: 'pad', fields: [{ name: 'a', type: 'u64' }, { name: 'b', type: 'u64' }] }), { cacheDir });
      const record = (a: number, n: number) => {
        const bytes = new Uint8Array(16 + n);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(a), true);
        return frame(USER_SOURCE_ID, bytes);
      };
      const result = new FrameDecoder(decoder).decode(concat([record(1, 0), record(2, 4), record(3, 8), record(4, 0)]));
      expect(result.skipped).toEqual({ badLength: 1 });
      expect(result.batches.flatMap((b) => [...b]).map((r) => r.a)).toEqual([1n, 2n, 4n]);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
