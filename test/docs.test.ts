// The API reference builds without a warning: typedoc (packages/kwire/typedoc.json: entry points
// index.ts and gen.ts, validation with notDocumented for functions, classes, variables and methods) run
// with --treatWarningsAsErrors, so an undocumented export, a broken {@link} or a type a public signature
// names but the barrels do not export fails here. On top of what typedoc checks, every function, class
// and constant exported at run time has an @example, and every public method of its classes a summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoPath } from './helpers/repo.js';

interface Comment {
  summary?: { text: string }[];
  blockTags?: { tag: string }[];
}
interface Reflection {
  name: string;
  kind: number;
  comment?: Comment;
  signatures?: { comment?: Comment }[];
  children?: Reflection[];
}
// typedoc's ReflectionKind values.
const Kind = { Variable: 32, Function: 64, Class: 128, Method: 2048 } as const;

const out = mkdtempSync(join(tmpdir(), 'kwire-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const run = spawnSync(
  repoPath('packages/kwire/node_modules/.bin/typedoc'),
  ['--options', 'typedoc.json', '--treatWarningsAsErrors', '--out', join(out, 'html'), '--json', join(out, 'api.json')],
  { cwd: repoPath('packages/kwire'), encoding: 'utf8', timeout: 120_000 },
);
// eslint-disable-next-line no-control-regex
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');

it('typedoc builds the API reference with no warning', () => {
  expect(run.error).toBeUndefined();
  expect(output).not.toMatch(/\[(warning|error)\]/);
  expect(run.status, output).toBe(0);
});

it('every runtime export has a summary and an @example, every public method a summary', () => {
  const project = JSON.parse(readFileSync(join(out, 'api.json'), 'utf8')) as Reflection;
  const hasText = (c?: Comment) => !!c?.summary?.some((s) => s.text.trim() !== '');
  const gaps: string[] = [];
  const modules = project.children ?? [];
  expect(modules.map((m) => m.name).sort()).toEqual(['gen', 'index']);
  let checked = 0;
  for (const module of modules) {
    for (const r of module.children ?? []) {
      if (r.kind !== Kind.Function && r.kind !== Kind.Class && r.kind !== Kind.Variable) continue;
      checked++;
      const comment = r.kind === Kind.Function ? r.signatures?.[0]?.comment : r.comment;
      if (!hasText(comment)) gaps.push(`${module.name}.${r.name}: no summary`);
      if (!comment?.blockTags?.some((t) => t.tag === '@example')) gaps.push(`${module.name}.${r.name}: no @example`);
      if (r.kind !== Kind.Class) continue;
      for (const m of r.children ?? []) {
        if (m.kind === Kind.Method && !hasText(m.signatures?.[0]?.comment)) gaps.push(`${module.name}.${r.name}.${m.name}(): no summary`);
      }
    }
  }
  expect(checked).toBeGreaterThan(100);
  expect(gaps).toEqual([]);
});
