// kwire bench: the benchmark suite of this checkout (bench/run.ts), which runs every bench/*.bench.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../usage-error.js';
import { parseCommandLine } from '../parse.js';

export const benchHelp = `kwire bench — the benchmark suite (decoders, kernel→subscriber, capture formats)

Usage: kwire bench [--quick] [--reps N] [--only NAME]

Runs every bench/*.bench.ts of the kwire checkout in turn, writes bench/results/*.json and *.md,
bench/README.md and bench/results/chart.svg.

Options:
  --quick      short runs: the whole suite in under two minutes (default: full runs)
  --reps N     runs per measure, medians (default: 5, or 3 with --quick)
  --only NAME  only the bench files whose name starts with NAME (default: all)
  -h, --help   this help

Examples:
  kwire bench --quick
  kwire bench --only exec --reps 3
`;

export async function benchCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, { quick: { type: 'boolean' }, reps: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(benchHelp);
    return;
  }
  if (values.reps !== undefined && !(Number.isInteger(Number(values.reps)) && Number(values.reps) > 0)) throw new UsageError(`--reps wants a positive integer, got '${values.reps}'`);
  const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bench');
  const tsx = join(bench, 'node_modules', '.bin', 'tsx');
  if (!existsSync(join(bench, 'run.ts')) || !existsSync(tsx)) throw new UsageError(`no benchmark suite at ${bench} (kwire bench runs from a kwire checkout)`);
  const names = readdirSync(bench).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
  if (values.only !== undefined && !names.some((n) => n.startsWith(values.only!))) throw new UsageError(`--only: no benchmark named ${values.only}… (there are: ${names.join(', ')})`);
  const r = spawnSync(tsx, ['run.ts', ...args], { cwd: bench, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}
