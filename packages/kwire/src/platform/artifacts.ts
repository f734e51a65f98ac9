// Where the built artefacts live, in an installed package or in the repository:
//   installed: <package>/bpf/*.bpf.o, <package>/assembly/ (decoders' WASM and the sources run-time
//              compilation needs), <package>/prebuilds/linux-x64/ (the addon, found by node-gyp-build);
//   repository: bpf/.output, assembly/ (assembly/build/kwire.wasm), native/build/Release.
// KWIRE_BPF_DIR overrides the BPF directory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KwireError } from '../errors.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The kwire package: dist/platform → the folder holding package.json. */
export const packageRoot = resolve(here, '..', '..');
const repoRoot = resolve(packageRoot, '..', '..'); // packages/kwire → the repository
/** Whether this is an installed package (make pack's layout) rather than the repository's build. */
export const installed = existsSync(join(packageRoot, 'prebuilds'));

const howToBuild = installed ? 'reinstall kwire (the package is incomplete)' : 'run `make build` first';

/** The package's version (package.json), the one `kwire --version`, captures and stats() report. */
export const kwireVersion: string = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** A built-in object's path from its name, or a user's object path (anything with a slash) as is. */
export function bpfObjectPath(name: string): string {
  const dir = process.env.KWIRE_BPF_DIR ?? (installed ? join(packageRoot, 'bpf') : join(repoRoot, 'bpf', '.output'));
  const path = name.includes('/') ? name : join(dir, `${name}.bpf.o`);
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `BPF object ${path} is missing: ${name.includes('/') ? 'check the path' : howToBuild}`);
  return path;
}

/** The folder of the AssemblyScript sources (ring.ts, status.ts, heap.ts) and build/kwire.wasm. */
export function assemblyDir(): string {
  return installed ? join(packageRoot, 'assembly') : join(repoRoot, 'assembly');
}

export function decoderWasmPath(): string {
  const path = join(assemblyDir(), 'build', 'kwire.wasm');
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `decoder module ${path} is missing: ${howToBuild}`);
  return path;
}

/** The folder node-gyp-build loads the addon from: the package (prebuilds/) or the repository's native/. */
export function addonDir(): string {
  return installed ? packageRoot : join(repoRoot, 'native');
}

/** The top-talker aggregation module (assembly/aggregate/), apart from the decoders. */
export function aggregateWasmPath(): string {
  const path = join(assemblyDir(), 'build', 'aggregate.wasm');
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `aggregation module ${path} is missing: ${howToBuild}`);
  return path;
}

/** The .etl walker and Xpress decompressor module (assembly/etl/), apart from the decoders. */
export function etlWasmPath(): string {
  const path = join(assemblyDir(), 'build', 'etl.wasm');
  if (!existsSync(path)) throw new KwireError('ENOT_BUILT', `.etl walker module ${path} is missing: ${howToBuild}`);
  return path;
}
