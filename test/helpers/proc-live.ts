// Whether the proc connector tests can run here, and why not; the workload helper they share.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingProcConnectorCapabilities } from 'kwire';
import { repoPath } from './repo.js';

function why(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  const missing = missingProcConnectorCapabilities();
  if (missing.length > 0) return `this process lacks ${missing.join(' and ')} (run as root)`;
  return undefined;
}

export const procSkipReason = why();
export const canRunProc = procSkipReason === undefined;

/** Compiles test/helpers/proc-workload.c (and threads.c) into a temp dir: their paths. */
export function buildWorkload(): { workload: string; threads: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kw11-proc-'));
  const workload = join(dir, 'proc-workload');
  const threads = join(dir, 'threads');
  execFileSync('cc', ['-O1', '-o', workload, repoPath('test/helpers/proc-workload.c')]);
  execFileSync('cc', ['-O1', '-pthread', '-o', threads, repoPath('test/helpers/threads.c')]);
  return { workload, threads };
}
