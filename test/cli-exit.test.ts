// kwire exit: help, usage errors, and (live) JSON lines and table rows of real exits.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor, type RunResult } from './helpers/run.js';
import { bpftoolList } from './helpers/bpftool.js';
import { validateJsonLines } from './helpers/json-schema.js';

const kwire = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args]);

const kwExitIds = () => bpftoolList<{ id: number; name?: string }>('prog').filter((p) => p.name === 'kw_exit').map((p) => p.id);
/** Ids of the kw_exit programs that are attached (have a link). */
const attachedKwExitIds = () => {
  const linked = new Set(bpftoolList<{ prog_id?: number }>('link').map((l) => l.prog_id));
  return kwExitIds().filter((id) => linked.has(id));
};

/** Runs `kwire exit ARGS`, then `workload` once its program is attached, then stops it with SIGINT. */
async function kwireExitAround(args: string[], workload: string): Promise<{ result: RunResult; work: RunResult }> {
  const before = new Set(attachedKwExitIds());
  const child = spawn(process.execPath, [repoPath('packages/cli/bin/kwire.js'), 'exit', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', r));
  await waitFor('its kw_exit to be attached', () => attachedKwExitIds().some((id) => !before.has(id)) || child.exitCode !== null, 30_000);
  const work = await run('sh', ['-c', workload]);
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  const code = await closed;
  return { result: { code, stdout, stderr }, work };
}

describe('kwire exit CLI', () => {
  it('is listed and teaches its options', async () => {
    expect((await kwire('--help')).stdout).toMatch(/^\s+exit\s+live exit events/m);
    const result = await kwire('exit', '--help');
    expect(result.code).toBe(0);
    for (const option of ['--json', '--duration', '--pidns', '--stats', '--threads']) expect(result.stdout).toContain(option);
  });

  it('refuses a bad option with exit status 2', async () => {
    const result = await kwire('exit', '--pidns', 'abc');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--pidns wants a pid namespace inode/);
  });
});

describe.skipIf(!canRunLive)(`kwire exit live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('prints JSON lines of real exits, with their codes and signals, and its stats', async () => {
    const workload = `sh -c 'exit 42' & p1=$!; sh -c 'kill -TERM $$' & p2=$!; wait; echo $p1 $p2`;
    const { result, work } = await kwireExitAround(['--json', '--stats'], workload);
    expect(result.code, result.stderr).toBe(0);
    const [p1, p2] = work.stdout.trim().split(' ').map(Number);
    const events = validateJsonLines(result.stdout);
    const byPid = (pid: number) => events.filter((e) => e.pid === pid);
    expect(byPid(p1!)).toMatchObject([{ type: 'exit', exitCode: 42, signal: 0, comm: 'sh' }]);
    expect(byPid(p2!)).toMatchObject([{ type: 'exit', exitCode: 0, signal: 15 }]);
    expect(Object.keys(byPid(p1!)[0]).sort()).toEqual(
      ['cgroupId', 'comm', 'coreDump', 'exitCode', 'exitTime', 'pid', 'pidns', 'pidnsDev', 'ppid', 'signal', 'startTime', 'status', 'tid', 'time', 'ts', 'type'],
    );
    expect(typeof byPid(p1!)[0].exitTime).toBe('string');
    expect(byPid(p1!)[0].ts).toBe(byPid(p1!)[0].exitTime); // every kind: ts is the record's boot time, time its wall clock
    expect(byPid(p1!)[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(result.stderr).toMatch(/^exit: received=\d+ batches=\d+ lost\.kernel=0 lost\.ring=0 lost\.undelivered=\d+ decodeErrors=0/m);
  });

  it('prints exitsnoop-like rows', async () => {
    const { result, work } = await kwireExitAround([], `sh -c 'kill -KILL $$' & p=$!; wait; echo $p`);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PCOMM\s+PID\s+PPID\s+TID\s+AGE\(s\)\s+EXIT$/);
    const pid = work.stdout.trim();
    expect(lines.find((l) => l.split(/\s+/)[2] === pid)).toMatch(/^\d\d:\d\d:\d\d sh\s+\d+\s+\d+\s+\d+\s+\d+\.\d\d\s+signal 9 \(SIGKILL\)$/);
  });

  it('names signals 6 and 29 as kill -l does: SIGABRT and SIGIO (issue 15, defect 7)', async () => {
    const { result, work } = await kwireExitAround([], `sh -c 'kill -ABRT $$' & a=$!; sh -c 'kill -IO $$' & b=$!; wait; echo $a $b`);
    expect(result.code, result.stderr).toBe(0);
    const [abrt, io] = work.stdout.trim().split(' ');
    const row = (pid: string) => result.stdout.split('\n').find((l) => l.split(/\s+/)[2] === pid);
    expect(row(abrt!)).toMatch(/signal 6 \(SIGABRT\)( \+core)?$/);
    expect(row(io!)).toMatch(/signal 29 \(SIGIO\)$/);
  });
});
