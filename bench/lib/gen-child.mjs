// gen.bench.ts's child (plain Node, no TypeScript loader in the way): one cold compile of a new layout
// in this fresh process, one with the compiler loaded, then the first layout again from the cache.
import { performance } from 'node:perf_hooks';
import { defineDecoder, defineLayout } from 'kwire';

const [cacheDir, seed, specJson] = process.argv.slice(2);
const spec = (k) => ({ ...JSON.parse(specJson), name: `bench${k}`, fields: [...JSON.parse(specJson).fields, { name: 'v', type: 'u32', offset: 112 + 4 * (k % 16) }] });
async function timed(k) {
  const t = performance.now();
  const d = await defineDecoder(defineLayout(spec(k)), { cacheDir });
  return { ms: performance.now() - t, cached: d.cached };
}
const k = Number(seed);
const cold = await timed(k);
const loaded = await timed(k + 1000);
const cached = await timed(k);
console.log(JSON.stringify({ cold, loaded, cached }));
