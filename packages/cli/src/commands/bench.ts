// kwire bench: the benchmark suite of this checkout (bench/run.ts), which runs every bench/*.bench.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../usage-error.js';

export const benchHelp = `Usage: kwire bench [--quick] [--reps N] [--only NAME]

Runs every bench/*.bench.ts of the kwire checkout in turn, writes bench/results/*.json and *.md,
bench/README.md and bench/results/chart.svg.
  --quick      short runs: the whole suite in under two minutes
  --reps N     runs per measure (medians); default 5, or 3 with --quick
  --only NAME  only the bench files whose name starts with NAME
`;

export async function benchCommand(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(benchHelp);
    return;
  }
  const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bench');
  const tsx = join(bench, 'node_modules', '.bin', 'tsx');
  if (!existsSync(join(bench, 'run.ts')) || !existsSync(tsx)) throw new UsageError(`no benchmark suite at ${bench} (kwire bench runs from a kwire checkout)`);
  const r = spawnSync(tsx, ['run.ts', ...args], { cwd: bench, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}
