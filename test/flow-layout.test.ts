// The flow layout is written once, in bpf/include/flow.h. The decoder's offsets must agree with the BTF
// clang emitted for it, and the header with DESIGN.md's 104-byte table (the conntracct layout).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { btfStruct } from './helpers/btf.js';
import { repoPath } from './helpers/repo.js';

const btf = btfStruct(repoPath('bpf/.output/flow.bpf.o'), 'flow_event');
const decoderConstants = new Map(
  [...readFileSync(repoPath('assembly/generated/flow.ts'), 'utf8').matchAll(/^const (\w+): \w+ = (\d+);/gm)].map((m) => [m[1]!, Number(m[2])]),
);

// DESIGN.md, "Flow record": offset, size and name of every field (camelCase there, snake_case in C).
const designTable: [number, number, string][] = [
  [0, 8, 'start'], [8, 8, 'ts'], [16, 8, 'cookie'], [24, 16, 'src_addr'], [40, 16, 'dst_addr'],
  [56, 8, 'packets_orig'], [64, 8, 'bytes_orig'], [72, 8, 'packets_ret'], [80, 8, 'bytes_ret'],
  [88, 4, 'connmark'], [92, 4, 'netns'], [96, 2, 'src_port'], [98, 2, 'dst_port'], [100, 1, 'proto'],
  [101, 1, 'kind'], [102, 2, 'padding'],
];

describe('flow layout', () => {
  it('is exactly 104 bytes with DESIGN.md offsets, in order and without holes', () => {
    expect(btf.size).toBe(104);
    expect(btf.members.map((m) => [m.offset, m.name])).toEqual(designTable.map(([o, , n]) => [o, n]));
    for (let i = 0; i + 1 < designTable.length; i++) expect(designTable[i]![0] + designTable[i]![1]).toBe(designTable[i + 1]![0]);
    expect(designTable.at(-1)![0] + designTable.at(-1)![1]).toBe(104);
  });

  const designPath = '/work/shared/DESIGN.md';
  it.skipIf(!existsSync(designPath))('DESIGN.md still holds that table (skipped where the shared DESIGN.md is absent)', () => {
    const design = readFileSync(designPath, 'utf8').split('\n');
    const rows = design.filter((l) => /^\| \d+ \| \d+ \| \w+ \|/.test(l)).slice(0, designTable.length);
    const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    expect(rows.map((r) => r.split('|').slice(1, 4).map((c) => c.trim()))).toEqual(
      designTable.map(([o, s, n]) => [String(o), String(s), camel(n)]),
    );
  });

  it('the decoder reads every BTF member at its BTF offset', () => {
    expect(decoderConstants.get('SIZE')).toBe(btf.size);
    for (const { name, offset } of btf.members) expect(decoderConstants.get(`OFF_${name.toUpperCase()}`), name).toBe(offset);
  });

  it('the header defines the size and kinds the decoder uses', () => {
    const header = readFileSync(repoPath('bpf/include/flow.h'), 'utf8');
    const define = (n: string) => Number(header.match(new RegExp(`#define ${n} (\\d+)`))![1]);
    expect(define('FLOW_EVENT_SIZE')).toBe(104);
    expect(define('FLOW_KIND_UPDATE')).toBe(1);
    expect(define('FLOW_KIND_DESTROY')).toBe(2);
  });
});
