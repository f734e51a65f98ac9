// The shared ring, status codes and source ids are written in three languages; they must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SourceId, Status } from 'kwire';
import { repoPath } from './helpers/repo.js';

/** `#define KW_NAME value` lines of a C header. */
function cDefines(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(repoPath(path), 'utf8').matchAll(/^#define (\w+) (0x[0-9a-f]+|\d+)u?\b/gim)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** `export const NAME: type = value;` lines of an AssemblyScript file. */
function asConstants(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(repoPath(path), 'utf8').matchAll(/^export const (\w+): \w+ = (0x[0-9a-f]+|\d+);/gim)) out.set(m[1]!, Number(m[2]));
  return out;
}

const camel = (s: string) => s.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

describe('shared ring layout', () => {
  const c = cDefines('native/src/ring/shared_ring_layout.h');
  const as = asConstants('assembly/ring.ts');

  it('has the same header offsets in C and AssemblyScript', () => {
    for (const name of ['PRODUCER_POS', 'CONSUMER_POS', 'CAPACITY', 'MAGIC', 'HEADER_SIZE']) {
      expect(as.get(`RING_${name}`), name).toBe(c.get(`KW_RING_${name}`));
    }
    expect(as.get('RING_MAGIC_VALUE')).toBe(c.get('KW_RING_MAGIC_VALUE'));
    expect(as.get('FRAME_HEADER_SIZE')).toBe(c.get('KW_FRAME_HEADER_SIZE'));
    expect(as.get('FRAME_WRAP')).toBe(c.get('KW_FRAME_WRAP'));
  });

  it('has the same header offsets in C and TypeScript', async () => {
    const { RingLayout } = await import('../packages/kwire/src/pipeline/shared-ring.js');
    const ts = RingLayout as Record<string, number>;
    for (const [name, value] of c) {
      if (name.startsWith('KW_RING_')) expect(ts[camel(name.slice(8))], name).toBe(value);
    }
    expect(ts.magicValue).toBe(c.get('KW_RING_MAGIC_VALUE'));
  });
});

describe('status codes and source ids', () => {
  it('agree between AssemblyScript and TypeScript', () => {
    const status = asConstants('assembly/status.ts');
    for (const [name, value] of Object.entries(Status)) {
      const asName = 'STATUS_' + name.replace(/[A-Z]/g, (ch) => '_' + ch).toUpperCase();
      expect(status.get(asName), asName).toBe(value);
    }
    // Each generated decoder accepts the frames of its kind's source id, and no two kinds share one.
    for (const [name, value] of Object.entries(SourceId)) {
      const decoder = readFileSync(repoPath(`assembly/generated/${name}.ts`), 'utf8');
      expect(Number(/^const SOURCE: u32 = (\d+);/m.exec(decoder)?.[1]), name).toBe(value);
    }
    expect(new Set(Object.values(SourceId)).size).toBe(Object.keys(SourceId).length);
  });
});
