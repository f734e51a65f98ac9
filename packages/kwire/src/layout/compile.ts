// Compiles generated decoders to WebAssembly in-process with the AssemblyScript compiler (an in-memory
// file system: assembly/'s ring, status and heap sources plus the generated files), with the same
// options as assembly/asconfig.json's release target. The binary is cached on disk by a hash of its
// sources and the compiler's version, so a layout is compiled once per machine.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { KwireError } from '../errors.js';
import { assemblyDir } from '../platform/artifacts.js';
import { assemblyExports, generateAssembly } from './gen-assembly.js';
import type { Layout } from './layout.js';

const require = createRequire(import.meta.url);

export const ASC_ARGS = [
  '--runtime', 'stub', '--importMemory', '--sharedMemory', '--initialMemory', '32', '--maximumMemory', '16384',
  '--enable', 'threads,bulk-memory', '--exportStart', '_initialize', '--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert',
];

/**
 * The decoder cache directory: `cacheDir`, else $KWIRE_CACHE_DIR, else $XDG_CACHE_HOME/kwire or ~/.cache/kwire.
 *
 * @example
 * cacheDirectory() // '/root/.cache/kwire'
 */
export function cacheDirectory(cacheDir?: string): string {
  return cacheDir ?? process.env.KWIRE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kwire');
}

/** A compiled decoders module: its bytes, where it is cached, and whether it was found there. */
export interface CompileResult {
  wasm: Uint8Array;
  /** Where the binary is cached. */
  path: string;
  cached: boolean;
}

/** Sources of a module holding the decoders of `layouts` (each with its frame source id). */
export function decoderSources(layouts: readonly { layout: Layout; sourceId: number }[]): Record<string, string> {
  const dir = assemblyDir();
  const files: Record<string, string> = {};
  for (const f of ['ring.ts', 'status.ts', 'heap.ts']) files[f] = readFileSync(join(dir, f), 'utf8');
  const entry = ['export { alloc } from "./heap";', 'export { cursorRing, cursorLinear, cursorOffset } from "./ring";'];
  for (const { layout, sourceId } of layouts) {
    if (layout.hooks) throw new KwireError('EINVAL_ARGUMENT', `defineDecoder(): layout ${layout.name}: hooks (derived columns, filters) are for built-in decoders`);
    files[`generated/${layout.name}.ts`] = generateAssembly(layout, { sourceId, origin: 'defineDecoder' });
    entry.push(`export { ${assemblyExports(layout).join(', ')} } from "./generated/${layout.name}";`);
  }
  files['index.ts'] = entry.join('\n') + '\n';
  return files;
}

/**
 * Compiles one WebAssembly module holding the decoders of `layouts` (each with its frame source id),
 * or takes it from the cache (keyed by the sources, AssemblyScript version and options).
 *
 * @example
 * const { wasm, cached } = await compileDecoders([{ layout: defineLayout(spec), sourceId: 0x100 }]);
 * @throws KwireError EINVAL_ARGUMENT (the promise rejects) when two layouts share a name, a layout has
 *   hooks, or AssemblyScript cannot compile the sources.
 */
export async function compileDecoders(layouts: readonly { layout: Layout; sourceId: number }[], options: { cacheDir?: string } = {}): Promise<CompileResult> {
  const names = new Set(layouts.map((l) => l.layout.name));
  if (names.size !== layouts.length) throw new KwireError('EINVAL_ARGUMENT', 'compileDecoders(): two layouts of one module share a name');
  const files = decoderSources(layouts);
  const version = (JSON.parse(readFileSync(require.resolve('assemblyscript/package.json'), 'utf8')) as { version: string }).version;
  const hash = createHash('sha256').update(version).update(JSON.stringify(ASC_ARGS)).update(JSON.stringify(files)).digest('hex').slice(0, 24);
  const path = join(cacheDirectory(options.cacheDir), 'decoders', `${hash}.wasm`);
  if (existsSync(path)) return { wasm: readFileSync(path), path, cached: true };

  const { default: asc } = await import('assemblyscript/asc');
  let wasm: Uint8Array | undefined;
  let errors = '';
  const result = await asc.main(['index.ts', '--outFile', 'out.wasm', ...ASC_ARGS], {
    readFile: (name: string) => files[name.replace(/^\.\//, '')] ?? null,
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') wasm = contents;
    },
    listFiles: () => [],
    stdout: { write: () => true } as never,
    stderr: { write: (s: string | Uint8Array) => ((errors += String(s)), true) } as never,
  });
  if (result.error || !wasm) {
    throw new KwireError('EINVAL_ARGUMENT', `defineDecoder(): AssemblyScript could not compile the decoder of ${[...names].join(', ')}: ${result.error?.message ?? 'no output'}\n${errors}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, wasm);
  renameSync(tmp, path); // atomic: concurrent compiles of one layout both end with a whole file
  return { wasm, path, cached: false };
}
