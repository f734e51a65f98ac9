// Before and after "record kinds declared once" (the generated batch classes, decoders and source
// functions; kernelSource over a producer; native readers free of BpfObject): the same decode cases
// and the kernel→subscriber drain, for the tree before the change and this one, in the same run.
// Each rep runs both trees in fresh processes, alternating, so load drifts hit both alike; the noise
// is the spread of one tree's reps. The "before" tree is built once in a git worktree under /tmp.
// Run: cd bench && pnpm exec tsx kinds.bench.ts [--quick] [--reps N]   (KWIRE_BENCH_BEFORE=REV, default 7c282e1)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, reps, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const here = import.meta.dirname;
const repo = join(here, '..');
const BEFORE = process.env.KWIRE_BENCH_BEFORE ?? '7c282e1';
const beforeTree = `/tmp/kwire-bench-before-${BEFORE}`;

if (!existsSync(join(beforeTree, 'packages/kwire/dist/index.js')) || !existsSync(join(beforeTree, 'native/build/Release/kwire.node'))) {
  console.error(`kinds: building the tree before the change (${BEFORE}) in ${beforeTree}`);
  if (!existsSync(beforeTree)) execFileSync('git', ['-C', repo, 'worktree', 'add', '--detach', beforeTree, BEFORE], { stdio: 'inherit' });
  execFileSync('make', ['-s', 'build'], { cwd: beforeTree, stdio: 'inherit' });
}

const tsx = join(here, 'node_modules', '.bin', 'tsx');
const child = (tree: string, what: string): Record<string, number> => {
  const r = spawnSync(tsx, [join(here, 'lib/kinds-child.ts'), tree, what], { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kinds child (${tree} ${what}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
};

const trees = { before: beforeTree, after: repo } as const;
const samples: Record<'before' | 'after', Record<string, number>[]> = { before: [], after: [] };
const live = process.getuid?.() === 0;
for (let rep = 0; rep < reps; rep++) {
  for (const side of rep % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
    samples[side].push({ ...child(trees[side], 'decode'), ...(live ? child(trees[side], 'drain') : {}) });
  }
  console.error(`kinds: rep ${rep + 1}/${reps}`);
}

const cases = Object.keys(samples.after[0]!);
const rows = cases.map((name) => {
  const b = samples.before.map((s) => s[name]!);
  const a = samples.after.map((s) => s[name]!);
  const mb = median(b);
  const ma = median(a);
  // Noise: the larger relative spread (max − min over the median) of the two trees' own reps.
  const noise = Math.max((Math.max(...b) - Math.min(...b)) / mb, (Math.max(...a) - Math.min(...a)) / ma);
  const change = ma / mb - 1;
  return { name, before: mb, after: ma, change, noise, slower: change > noise };
});
const drain = (r: (typeof rows)[number]) => r.name.endsWith('drain');
const fmt = (r: (typeof rows)[number]) =>
  `| ${r.name} | ${drain(r) ? `${(1e3 / r.before).toFixed(2)} M/s` : r.before.toFixed(1)} | ${drain(r) ? `${(1e3 / r.after).toFixed(2)} M/s` : r.after.toFixed(1)} | ${(r.before / r.after).toFixed(2)}× | ±${(r.noise * 100).toFixed(0)}% | ${r.slower ? '**slower beyond noise**' : 'within noise or faster'} |`;
const md = [
  '### Before and after record kinds declared once',
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. ${sharedNote} Before: ${BEFORE}; after: this tree. Medians of ${reps} reps per tree, alternating in fresh processes; each decode figure is itself a median of rounds (4096 records a batch).`,
  '',
  '| case | before (ns/record) | after (ns/record) | speed after vs before | noise (run-to-run) | verdict |',
  '|---|---:|---:|---:|---:|---|',
  ...rows.map(fmt),
  '',
  '"in place": frames already in WASM memory decoded into columns (the live path); "owned batch": the same plus the copy-out into memory the batch owns (what a subscriber receives); "events": batch.get(i) for every record; "drain": a pre-filled kernel ring (500 000 loadgen records) to the subscriber, as a rate (kernel→subscriber).' + (live ? '' : ' Drain not measured: needs root.'),
].join('\n');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'kinds.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), before: BEFORE, reps, samples, rows }, null, 2) + '\n');
writeFileSync(join(resultsDir, 'kinds.md'), md + '\n');
console.log(md);
