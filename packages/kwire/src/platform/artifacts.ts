// Where the built artefacts live: BPF objects (bpf/.output) and the decoders' WASM (assembly/build).
// KWIRE_BPF_DIR overrides the BPF directory (e.g. for an installed package).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KwireError } from '../errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..', '..'); // dist/platform → the repository

/** A built-in object's path from its name, or a user's object path (anything with a slash) as is. */
export function bpfObjectPath(name: string): string {
  const dir = process.env.KWIRE_BPF_DIR ?? join(repoRoot, 'bpf', '.output');
  const path = name.includes('/') ? name : join(dir, `${name}.bpf.o`);
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `BPF object ${path} is missing: run \`make build\` first`);
  return path;
}

export function decoderWasmPath(): string {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('@kwire/assembly/kwire.wasm');
  } catch {
    path = join(repoRoot, 'assembly', 'build', 'kwire.wasm');
  }
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `decoder module ${path} is missing: run \`make build\` first`);
  return path;
}

export function etlWasmPath(): string {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('@kwire/assembly/etl.wasm');
  } catch {
    path = join(repoRoot, 'assembly', 'build', 'etl.wasm');
  }
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `.etl walker module ${path} is missing: run \`make build\` first`);
  return path;
}
