#!/usr/bin/env node
// Writes the generated files of the built-in layouts (packages/kwire/src/layouts/) — or, with --check,
// regenerates them into a temp dir and fails on any difference from the committed ones (CI's drift check).
// Needs the library built (make ts). Usage: node scripts/generate.mjs [--check] [--root DIR]
// (--root: compare against / write into DIR instead of this checkout)
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { generateBuiltins } = await import(join(repo, 'packages/kwire/dist/layout/builtin.js'));
const rootAt = process.argv.indexOf('--root');
const root = rootAt > 0 ? process.argv[rootAt + 1] : repo;
const files = await generateBuiltins();
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'kwire-gen-')) : root;
for (const [path, content] of files) {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), content);
}
if (!check) {
  console.log(`generated ${[...files.keys()].join(', ')}`);
  process.exit(0);
}
let drift = 0;
for (const path of files.keys()) {
  const committed = join(root, path);
  if (existsSync(committed) && readFileSync(committed, 'utf8') === files.get(path)) continue;
  drift++;
  spawnSync('diff', ['-u', existsSync(committed) ? committed : '/dev/null', join(out, path)], { stdio: 'inherit' });
}
rmSync(out, { recursive: true, force: true });
if (drift) {
  console.error(`check-generated: ${drift} generated file(s) differ from their layout: run \`node scripts/generate.mjs\` and commit`);
  process.exit(1);
}
