// The raw frames copier (assembly/raw.ts): whole frames out unchanged, chunks of one source, never a
// crash on random bytes.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, rawDecoder, SourceId, captureSource, captureSourceNames } from 'kwire';
import { concat, frame } from './reference/frames.js';
import { repoPath } from './helpers/repo.js';

const payloads = fc.array(fc.record({ source: fc.constantFrom(SourceId.exec, SourceId.exit), flags: fc.integer({ min: 0, max: 0x7fff }), payload: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 60 });

describe('raw frames copier', () => {
  it('copies every frame unchanged, split into chunks wherever the source changes', () => {
    fc.assert(
      fc.property(payloads, fc.integer({ min: 1, max: 16 }), (frames, batchSize) => {
        const input = concat(frames.map((f) => frame(f.source, f.payload, f.flags)));
        const { batches, skipped } = new FrameDecoder(rawDecoder('exec'), batchSize).decode(input);
        expect(skipped).toEqual({});
        expect(concat(batches.map((b) => b.bytes))).toEqual(input);
        expect(batches.flatMap((b) => [...b]).map((f) => ({ source: f.source, flags: f.flags, payload: Array.from(f.payload) }))).toEqual(
          frames.map((f) => ({ source: f.source, flags: f.flags, payload: Array.from(f.payload) })),
        );
        for (const b of batches) {
          expect(b.length).toBeLessThanOrEqual(batchSize);
          expect(new Set([...b].map((f) => f.source)).size).toBe(1);
        }
      }),
    );
  });

  it('random bytes give chunks or a typed error, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        try {
          new FrameDecoder(rawDecoder('exec')).decode(bytes);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('EDECODE');
        }
      }),
    );
  });
});

describe('capture registry', () => {
  it.each([
    ['exec', 'exec.h', 'EXEC_LAYOUT_VERSION', SourceId.exec, 0],
    ['exit', 'exit.h', 'EXIT_LAYOUT_VERSION', SourceId.exit, 8],
    ['flow', 'flow.h', 'FLOW_LAYOUT_VERSION', SourceId.flow, 8],
  ])('registers %s with the layout version of bpf/include/%s', (name, header, define, id, tsOffset) => {
    const version = Number(new RegExp(`#define ${define} (\\d+)`).exec(readFileSync(repoPath(`bpf/include/${header}`), 'utf8'))![1]);
    expect(version).toBeGreaterThan(0);
    expect(captureSource(name)).toMatchObject({ name, id, layout: version, tsOffset });
  });

  it('lists every built-in capture source', () => {
    expect(captureSourceNames()).toEqual(['exec', 'exit', 'flow', 'proc']);
  });

  it('registers proc (a netlink datagram: no C header) with its time at byte 44', () => {
    expect(captureSource('proc')).toMatchObject({ name: 'proc', id: SourceId.proc, layout: 1, tsOffset: 44 });
  });
});
