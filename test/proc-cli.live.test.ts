// Live: `kwire proc` prints the proc connector's events as JSON lines (the fields the README lists) and
// as a table, with its counters on --stats.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canRunProc, procSkipReason } from './helpers/proc-live.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

const bin = repoPath('packages/cli/bin/kwire.js');

/** Runs kwire proc with `args` while `workload` runs once it printed its first line (or header). */
function kwireProc(args: string[], workload: () => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'proc', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!started) (started = true), workload();
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!canRunProc)(`kwire proc live${canRunProc ? '' : ` (skipped: ${procSkipReason})`}`, () => {
  it('--json: a process\'s exec (enriched from /proc) and its exit (name remembered), typed fields', async () => {
    let pid = 0;
    const r = await kwireProc(['--events', 'exec,exit', '--json', '--duration', '4', '--stats', '--scan'], () => {
      // alive for 0.5 s: its exec finds it in /proc
      const c = spawn('sh', ['-c', 'sleep 0.5; exit 6'], { stdio: 'ignore' });
      pid = c.pid!;
    });
    expect(r.code, r.stderr).toBe(0);
    await waitFor('the workload', () => pid > 0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.some((e) => e.origin === 'scan' && e.type === 'proc-exec')).toBe(true);
    const exec = events.find((e) => e.type === 'proc-exec' && e.tgid === pid && e.origin === 'kernel')!;
    expect(exec).toMatchObject({ pid, tgid: pid, comm: 'sh', cmdline: ['sh', '-c', 'sleep 0.5; exit 6'], gone: false, ppid: expect.any(Number), cpu: expect.any(Number) });
    expect(exec.ts).toMatch(/^\d+$/); // u64 as a decimal string
    const exit = events.find((e) => e.type === 'proc-exit' && e.tgid === pid)!;
    expect(exit).toMatchObject({ pid, tgid: pid, exitCode: 6, signal: 0, comm: 'sh', known: true, processExit: true, ppid: expect.any(Number), ptgid: expect.any(Number) });
    expect(r.stderr).toMatch(/^proc: received=\d+ batches=\d+ lost\.kernel=0 lost\.ring=0 /m);
    expect(r.stderr).toMatch(/^proc: lost\.enobufs=0 resyncs=0 syntheticExits=0 syntheticExecs=0 execsGone=\d+ exitsKnown=\d+ exitsUnknown=\d+ tracked=\d+$/m);
  }, 20_000);

  it('the table: TIME, EVENT, PID, PPID, COMM and the exit code or the command line', async () => {
    let pid = 0;
    const r = await kwireProc(['--events', 'exec,exit', '--duration', '3'], () => {
      pid = spawn('sh', ['-c', 'sleep 0.5; kill -TERM $$'], { stdio: 'ignore' }).pid!;
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^TIME +EVENT +PID +PPID +COMM +EXIT\/SIGNAL\/ARGS$/);
    expect(r.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d exec +${pid} +\\d+ +sh +sh -c "sleep 0.5; kill -TERM \\$\\$"$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d exit +${pid} +\\d+ +sh +signal 15$`, 'm'));
  }, 20_000);
});
