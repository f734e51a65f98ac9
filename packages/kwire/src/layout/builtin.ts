// The generated files of the built-in layouts, repo-relative path → content.
import { builtinLayouts } from '../layouts/index.js';
import { generateAssembly } from './gen-assembly.js';
import { generateC } from './gen-c.js';
import { generateTypes } from './gen-types.js';

export function generateBuiltins(): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of builtinLayouts) {
    const n = b.layout.name;
    out.set(`assembly/generated/${n}.ts`, generateAssembly(b.layout, { sourceId: b.sourceId, origin: b.origin }));
    out.set(`packages/kwire/src/generated/${n}.ts`, generateTypes(b.layout, { origin: b.origin, mode: 'builtin' }));
    out.set(`bpf/include/generated/${n}.h`, generateC(b.layout, { origin: b.origin }));
  }
  return out;
}
