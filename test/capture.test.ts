// The capture format: round trip, sessions, and damage of every kind (documented in
// packages/kwire/src/capture/reader.ts): never a crash, never a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { encodeEntry } from '../packages/kwire/src/capture/format.js';
import { CaptureReader, execDecoder, FrameDecoder, replay, type CaptureChunk, type CaptureHeader, type ExecEvent } from 'kwire';
import { captureOf, decodeChunks, execChunks, mixedChunks, replayAll } from './helpers/capture.js';

const decodeDirect = (chunks: ReturnType<typeof execChunks>): ExecEvent[] => {
  const d = new FrameDecoder(execDecoder);
  return chunks.flatMap((c) => d.decode(c.bytes).batches.flatMap((b) => [...b]));
};

/** Offsets and sizes of the entries of a whole capture. */
function entries(bytes: Uint8Array) {
  const r = new CaptureReader(() => {
    throw new Error('unexpected issue');
  });
  return [...r.push(bytes), ...r.end()];
}

describe('capture round trip', () => {
  it('replays exactly the records that were recorded, chunk by chunk, with header and trailer', async () => {
    const chunks = execChunks(5, 7);
    const bytes = await captureOf(chunks);
    const { events, issues, stats } = await replayAll(bytes);
    expect(issues).toEqual([]);
    expect(events).toEqual(decodeDirect(chunks));
    expect(events.map((e) => e.pid)).toEqual(Array.from({ length: 35 }, (_, i) => 100 + i));
    expect(stats.headers).toHaveLength(1);
    expect(stats.headers[0]).toMatchObject({ format: 'kwire-capture', version: 1, sources: [{ name: 'exec', id: 1, layout: 1 }] });
    expect(stats.headers[0]!.bootTime).toBeGreaterThan(0n);
    expect(stats.trailers[0]).toMatchObject({ chunks: 5, records: 35, lost: { kernel: 0, ring: 0 } });
    const chunkEntries = entries(bytes).filter((e) => e.entry.t === 'chunk').map((e) => e.entry as CaptureChunk);
    expect(chunkEntries[1]).toMatchObject({ source: 'exec', frames: 7, first: 1_000_007_000n, last: 1_000_013_000n });
  });

  it('replays exec, exit and flow chunks as they were recorded: same values, same order per source', async () => {
    const chunks = mixedChunks(6, 4);
    const { events, issues, stats } = await replayAll(await captureOf(chunks));
    expect(issues).toEqual([]);
    expect(events).toEqual(decodeChunks(chunks));
    const types = (events as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(['exec', 'exit', 'flow', 'exec', 'exit', 'flow'].flatMap((t) => [t, t, t, t]));
    expect(stats.records).toBe(24);
  });

  it('reads a file with appended sessions (a header each) as one stream, in order', async () => {
    const a = execChunks(2, 3);
    const b = execChunks(3, 2);
    const bytes = Buffer.concat([await captureOf(a), await captureOf(b)]);
    const { events, issues, stats } = await replayAll(bytes);
    expect(issues).toEqual([]);
    expect(stats.headers).toHaveLength(2);
    expect(events).toEqual([...decodeDirect(a), ...decodeDirect(b)]);
  });

  it('reads a capture pushed one byte at a time (streamable) as it does whole', async () => {
    const chunks = execChunks(3, 4);
    const bytes = await captureOf(chunks);
    async function* bytewise() {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    }
    const { replay } = await import('kwire');
    const { lastValueFrom, toArray } = await import('rxjs');
    const events = await lastValueFrom(replay(bytewise()).events().pipe(toArray()));
    expect(events).toEqual(decodeDirect(chunks));
  });
});

// Every damage test on a capture of exec chunks only, and on one of exec, exit and flow chunks in turn.
describe.each([
  ['exec', execChunks],
  ['exec, exit and flows', mixedChunks],
])('damaged captures (%s)', (_sources, makeChunks) => {
  it('truncated at every byte offset: replays the whole chunks before the cut and says where it stopped', async () => {
    const chunks = makeChunks(3, 2);
    const bytes = await captureOf(chunks);
    const all = decodeChunks(chunks);
    const layout = entries(bytes);
    for (let cut = 0; cut < bytes.length; cut++) {
      const { events, issues, error } = await replayAll(bytes.subarray(0, cut));
      if (cut === 0) {
        expect(error?.code, 'empty').toBe('ECAPTURE_FORMAT');
        continue;
      }
      expect(error, `cut ${cut}`).toBeUndefined();
      const whole = layout.filter((e) => e.offset + e.size <= cut);
      const chunksBefore = whole.filter((e) => e.entry.t === 'chunk').length;
      expect(events, `cut ${cut}`).toEqual(all.slice(0, chunksBefore * 2));
      const boundary = layout.some((e) => e.offset === cut);
      if (boundary) expect(issues, `cut ${cut}`).toEqual([]);
      else expect(issues, `cut ${cut}`).toEqual([expect.objectContaining({ kind: 'truncated', offset: whole.at(-1)?.offset === undefined ? 0 : whole.at(-1)!.offset + whole.at(-1)!.size })]);
    }
  });

  it('random bit flips: at most the damaged entry is lost, reported at its offset, the rest replays', async () => {
    const chunks = makeChunks(4, 3);
    const bytes = await captureOf(chunks);
    const all = decodeChunks(chunks);
    const layout = entries(bytes);
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length * 8 - 1), async (bit) => {
        const damaged = bytes.slice();
        damaged[bit >> 3]! ^= 1 << (bit & 7);
        const { events, issues, error } = await replayAll(damaged);
        const at = bit >> 3;
        if (at < 4) {
          // The first bytes are the signature: the file is no longer recognisable as a capture.
          expect(error?.code).toBe('ECAPTURE_FORMAT');
          return;
        }
        expect(error).toBeUndefined();
        const hit = layout.find((e) => at >= e.offset && at < e.offset + e.size)!;
        expect(issues.length).toBeGreaterThan(0);
        expect(issues[0]).toMatchObject({ offset: hit.offset });
        const lostChunk = layout.filter((e) => e.entry.t === 'chunk').indexOf(hit);
        const expected = lostChunk < 0 ? all : [...all.slice(0, lostChunk * 3), ...all.slice(lostChunk * 3 + 3)];
        expect(events).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['too long', 1_000],
    ['too short', -40],
    ['impossible', 0x7fffffff],
  ])('a chunk whose length is wrong (%s) is reported at its offset and skipped', async (_name, delta) => {
    const chunks = makeChunks(3, 2);
    const bytes = await captureOf(chunks);
    const second = entries(bytes).filter((e) => e.entry.t === 'chunk')[1]!;
    const damaged = bytes.slice();
    const view = new DataView(damaged.buffer);
    view.setUint32(second.offset + 4, delta === 0x7fffffff ? delta : view.getUint32(second.offset + 4, true) + delta, true);
    const { events, issues, error } = await replayAll(damaged);
    expect(error).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ kind: 'corrupt', offset: second.offset, length: second.size })]);
    const all = decodeChunks(chunks);
    expect(events).toEqual([...all.slice(0, 2), ...all.slice(4)]);
  });

});

describe('damaged captures', () => {
  it('an empty file and a file that is not a capture are refused with ECAPTURE_FORMAT', async () => {
    expect((await replayAll(new Uint8Array(0))).error).toMatchObject({ code: 'ECAPTURE_FORMAT', message: expect.stringMatching(/is empty/) });
    const text = new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n');
    expect((await replayAll(text)).error).toMatchObject({ code: 'ECAPTURE_FORMAT', message: expect.stringMatching(/not a kwire capture/) });
    const json = new TextEncoder().encode('{"type":"exec"}\n');
    expect((await replayAll(json)).error?.code).toBe('ECAPTURE_FORMAT');
  });

  it('a capture from a newer format version is refused with a clear message', async () => {
    const header: CaptureHeader = { t: 'header', format: 'kwire-capture', version: 2, host: 'h', kernel: 'k', bootTime: 0n, started: 0, sources: [] };
    const { error } = await replayAll(encodeEntry(header));
    expect(error).toMatchObject({ code: 'ECAPTURE_VERSION', message: expect.stringMatching(/format version 2, newer than this kwire reads \(version 1\)/) });
  });

  it('chunks of an unknown source or layout version are skipped and reported once', async () => {
    const [c] = execChunks(1, 2);
    const chunk = (source: string, layout: number) => encodeEntry({ t: 'chunk', source, id: source === 'exec' ? 1 : 99, layout, frames: 2, first: 0n, last: 0n, lost: { kernel: 0, ring: 0 }, data: c!.bytes });
    const bytes = Buffer.concat([await captureOf([]), chunk('exec', 2), chunk('exec', 2), chunk('warp', 1), chunk('exec', 1)]);
    const { events, issues } = await replayAll(bytes);
    expect(events).toHaveLength(2);
    expect(issues.map((i) => [i.kind, i.reason])).toEqual([
      ['skipped', expect.stringMatching(/layout version 2; this kwire decodes version 1/)],
      ['skipped', expect.stringMatching(/source 'warp' \(id 99\) is not known/)],
    ]);
  });

  it('a chunk is decoded by its frame source id: a kind renamed since the capture (flows → flow) replays under its name now', async () => {
    const [c] = execChunks(1, 3);
    const renamed = encodeEntry({ t: 'chunk', source: 'execsnoop', id: 1, layout: 1, frames: 3, first: 0n, last: 0n, lost: { kernel: 0, ring: 0 }, data: c!.bytes });
    const bytes = Buffer.concat([await captureOf([]), renamed]);
    const { events, issues } = await replayAll(bytes);
    expect(issues).toEqual([]);
    expect(events.map((e) => (e as { type: string }).type)).toEqual(['exec', 'exec', 'exec']);
    const only = await lastValueFrom(replay(bytes, { sources: ['exec'] }).batches('exec').pipe(toArray()));
    expect(only.reduce((n, b) => n + (b as { length: number }).length, 0)).toBe(3);
  });

  it('random bytes after a valid signature never crash or hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (tail) => {
        const bytes = Buffer.concat([Buffer.from('KWcp'), tail]);
        const { error } = await replayAll(bytes);
        expect(error).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
