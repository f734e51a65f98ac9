// Runtime compile of a new layout (defineDecoder): cold, the first compile in a fresh process
// (loading the AssemblyScript compiler included); cold with the compiler already loaded; and cached
// (the WASM found on disk by layout hash). Each figure is the median of several runs.
// Run: cd bench && pnpm exec tsx gen.bench.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cstring, type LayoutSpec } from 'kwire';
import { writeFileSync } from 'node:fs';
import { machine, resultsDir } from './lib/report.js';

const RUNS = 5;

/** A flow-like layout (mixed fields); the child adds a field whose offset varies, so each compile is new. */
const spec: LayoutSpec = {
  name: 'bench',
  fields: [
    { name: 'start', type: 'u64' }, { name: 'ts', type: 'u64' }, { name: 'cookie', type: 'u64' },
    { name: 'src', type: 'ip' }, { name: 'dst', type: 'ip' },
    { name: 'packets', type: 'u64' }, { name: 'bytes', type: 'u64' }, { name: 'mark', type: 'u32' }, { name: 'netns', type: 'u32' },
    { name: 'sport', type: 'u16be' }, { name: 'dport', type: 'u16be' }, { name: 'proto', type: 'u8' }, { name: 'kind', type: 'u8' },
    { name: 'comm', type: cstring(16) },
  ],
};

const child = fileURLToPath(new URL('./lib/gen-child.mjs', import.meta.url));

{
  const cacheDir = mkdtempSync(join(tmpdir(), 'kwire-gen-bench-'));
  const runs = Array.from({ length: RUNS }, (_, k) =>
    JSON.parse(execFileSync(process.execPath, [child, cacheDir, String((Date.now() % 100000) + k), JSON.stringify(spec)], { encoding: 'utf8' })) as Record<'cold' | 'loaded' | 'cached', { ms: number; cached: boolean }>,
  );
  rmSync(cacheDir, { recursive: true, force: true });
  const median = (key: 'cold' | 'loaded' | 'cached') => runs.map((r) => r[key].ms).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  if (!runs.every((r) => !r.cold.cached && !r.loaded.cached && r.cached.cached)) throw new Error('cache state not as expected');
  const rows = [
    ['cold, fresh process (compiler load included)', median('cold')],
    ['cold, compiler already loaded', median('loaded')],
    ['cached (WASM read from disk by layout hash)', median('cached')],
  ] as const;
  const md = [
    '### Runtime compile of a new layout (defineDecoder, 15 fields, 112+ bytes)',
    '',
    `Machine: ${machine()} (shared with other jobs). Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${RUNS} runs.`,
    '',
    '| case | ms |',
    '|---|---:|',
    ...rows.map(([name, ms]) => `| ${name} | ${ms.toFixed(1)} |`),
    '',
    `Target: cold < 3000 ms, cached instant.`,
  ].join('\n');
  writeFileSync(join(resultsDir, 'gen.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), runs }, null, 2) + '\n');
  writeFileSync(join(resultsDir, 'gen.md'), md + '\n');
  console.log(md);
}
