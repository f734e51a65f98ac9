// The generated files of the built-in kinds, repo-relative path → content. The kinds are found by
// looking in kinds/ for modules that export a declaration (defineKind): no list to keep by hand. A
// declaration file is named after its kind (kinds/exec.ts) and imports nothing generated at run time;
// files with a hyphen (kinds/exit-store.ts) are the hand-written code around a kind.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isKind, type AnyKind } from '../pipeline/kind.js';
import { generateAssembly } from './gen-assembly.js';
import { generateC } from './gen-c.js';
import { generateAssemblyIndex, generateKindsTable, generateKindTypes } from './gen-kind.js';
import { generateTypes } from './gen-types.js';

const kindsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'kinds');

/** Every built-in kind, by source id. */
export async function findBuiltinKinds(): Promise<AnyKind[]> {
  const found: AnyKind[] = [];
  for (const file of readdirSync(kindsDir).filter((f) => /^[a-z][A-Za-z0-9]*\.js$/.test(f)).sort()) {
    const module = (await import(pathToFileURL(join(kindsDir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) if (isKind(value)) found.push(value);
  }
  return found.sort((a, b) => a.sourceId - b.sourceId);
}

/**
 * Every generated file of the built-in kinds, repo-relative path → content (what
 * `node scripts/generate.mjs` writes or checks). The kinds are found in kinds/.
 *
 * @example
 * for (const [path, text] of await generateBuiltins()) writeFileSync(join(repoRoot, path), text);
 * @throws KwireError EINVAL_ARGUMENT (the promise rejects) for a kind whose layout the generators refuse.
 */
export async function generateBuiltins(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const kinds = await findBuiltinKinds();
  for (const k of kinds) {
    const n = k.name;
    const origin = `packages/kwire/src/kinds/${n}.ts`;
    out.set(`assembly/generated/${n}.ts`, generateAssembly(k.layout, { sourceId: k.sourceId, origin }));
    out.set(`packages/kwire/src/generated/${n}.ts`, generateTypes(k.layout, { origin, mode: 'builtin', rowFunction: false }) + generateKindTypes(k, origin));
    // C asserts for the header a BPF program compiles; a kind with another producer has no header
    if (k.object) out.set(`bpf/include/generated/${n}.h`, generateC(k.layout, { origin }));
  }
  out.set('packages/kwire/src/generated/kinds.ts', generateKindsTable(kinds));
  out.set('assembly/index.ts', generateAssemblyIndex(kinds));
  return out;
}
