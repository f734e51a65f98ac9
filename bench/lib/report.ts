// Writes a benchmark's results as JSON and as a markdown table, with the machine noted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './measure.js';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function machine(): string {
  return `${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} when written`;
}

export function report(name: string, title: string, baseline: string, cases: CaseResult[], notes: string[] = []): string {
  const base = cases.find((c) => c.name === baseline)!;
  const rows = cases.map((c) => `| ${c.name} | ${c.nsPerRecord.toFixed(1)} | ${(c.recordsPerSecond / 1e6).toFixed(2)} | ${(base.nsPerRecord / c.nsPerRecord).toFixed(2)}× |`);
  const md = [
    `### ${title}`,
    '',
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${cases[0]!.rounds} rounds.`,
    '',
    `| case | ns/record | M records/s | speed vs ${baseline} |`,
    '|---|---:|---:|---:|',
    ...rows,
    '',
    ...notes,
  ].join('\n');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify({ machine: machine(), date: new Date().toISOString(), baseline, cases }, null, 2) + '\n');
  writeFileSync(join(resultsDir, `${name}.md`), md + '\n');
  return md;
}
