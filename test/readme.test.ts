// The README's TypeScript examples type-check as printed against the built package: an example that
// uses a name it never defines, or an option or method that does not exist, fails here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from './helpers/repo.js';

const blocks = [...readFileSync(repoPath('README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'kwire-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has TypeScript examples', () => expect(blocks.length).toBeGreaterThanOrEqual(4));

  it.each(blocks.map((code, i) => [i + 1, code.split('\n')[0], code] as const))('example %i (%s) type-checks', (i, _first, code) => {
    const file = join(dir, `example-${i}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [repoPath('test/node_modules/@types')],
      paths: { kwire: [repoPath('packages/kwire/dist/index.d.ts')], 'kwire/gen': [repoPath('packages/kwire/dist/gen.d.ts')], '@kwire/nats': [repoPath('packages/nats/dist/index.d.ts')], rxjs: [repoPath('test/node_modules/rxjs')] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });
});
