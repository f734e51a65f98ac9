// Options every bench file understands: --quick (the whole suite under two minutes) and --reps N.
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, reps: { type: 'string' } }, strict: false });

export const quick = values.quick === true || process.env.KWIRE_BENCH_QUICK === '1';
export const reps = Number(values.reps ?? (quick ? 3 : 5));

/** The note every result carries about the machine's load. */
export const sharedNote =
  process.env.KWIRE_BENCH_QUIET === '1'
    ? 'Machine idle apart from the benchmark.'
    : 'Machine shared with other jobs while measuring (2 cores, CPU contention likely): figures are lower bounds; ratios are measured in the same run.';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
