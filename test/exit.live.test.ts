// Live: real processes exit in every way wait(2) can tell apart; each exit record must say exactly
// what the parent's waitpid said (Node's child_process `code` and `signal` come from waitpid).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitEvents, type ExitEvent } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

interface Waited {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs a command to its end; resolves with its pid and what waitpid reported. */
function waited(command: string, args: string[]): Promise<Waited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid!, code, signal }));
  });
}

const cases: [string, string, string[]][] = [
  ...[0, 1, 2, 127, 255].map((n): [string, string, string[]] => [`exit ${n}`, 'sh', ['-c', `exit ${n}`]]),
  ...['KILL', 'TERM', 'SEGV', 'ABRT'].map((s): [string, string, string[]] => [`SIG${s}`, 'sh', ['-c', `kill -${s} $$`]]),
];

describe.skipIf(!canRunLive)(`live exit events${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  let dir = '';
  let threads = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kwire-exit-'));
    threads = join(dir, 'threads');
    execFileSync('cc', ['-O1', '-pthread', '-o', threads, repoPath('test/helpers/threads.c')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['ringbuf', 'perf'] as const)('reports every exit exactly as waitpid does, once per process, over %s', async (transport) => {
    const fdsBefore = openFdCount();
    const seen: ExitEvent[] = [];
    const subscription = exitEvents({ transport }).subscribe((e) => seen.push(e));
    const all: [string, string, string[]][] = [
      ...cases,
      ['thread exit(3)', threads, ['thread-exit', '3']],
      ['leader pthread_exit, thread exit(5)', threads, ['leader-first-exit', '5']],
      ['leader pthread_exit, thread returns', threads, ['leader-first-return']],
      ['leader pthread_exit, thread SIGTERM', threads, ['leader-first-signal', String(constants.signals.SIGTERM)]],
    ];
    const results: [string, Waited][] = [];
    for (const [name, command, args] of all) results.push([name, await waited(command, args)]);
    await waitFor('an exit record of every process', () => results.every(([, w]) => seen.some((e) => e.pid === w.pid)));
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would arrive now
    subscription.unsubscribe();

    for (const [name, w] of results) {
      const records = seen.filter((e) => e.pid === w.pid);
      expect(records, name).toHaveLength(1);
      const e = records[0]!;
      const expected = w.signal ? { exitCode: 0, signal: constants.signals[w.signal] } : { exitCode: w.code, signal: 0 };
      expect({ name, exitCode: e.exitCode, signal: e.signal }).toEqual({ name, ...expected });
      expect(e.ppid, name).toBe(process.pid);
      expect(e.exitTime, name).toBeGreaterThan(e.startTime);
      expect(e.startTime, name).toBeGreaterThan(0n);
    }
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('reports the thread that exited and, on request, every thread', async () => {
    const seen: ExitEvent[] = [];
    const subscription = exitEvents({ threads: true }).subscribe((e) => seen.push(e));
    const w = await waited(threads, ['leader-first-exit', '9']);
    await waitFor('the process exit record', () => seen.some((e) => e.pid === w.pid && e.tid !== w.pid));
    await new Promise((r) => setTimeout(r, 200));
    subscription.unsubscribe();
    const records = seen.filter((e) => e.pid === w.pid);
    // The leader exits first (pthread_exit: status 0), then the last thread with the group's status.
    expect(records.map((e) => ({ leader: e.tid === w.pid, exitCode: e.exitCode, comm: e.comm }))).toEqual([
      { leader: true, exitCode: 0, comm: 'threads' },
      { leader: false, exitCode: 9, comm: 'threads' },
    ]);
    expect(w.code).toBe(9);
  });

  it('filters by pid namespace in the kernel', async () => {
    const inode = Number(execFileSync('stat', ['-L', '-c', '%i', '/proc/self/ns/pid'], { encoding: 'utf8' }).trim());
    const ours: ExitEvent[] = [];
    const other: ExitEvent[] = [];
    const a = exitEvents({ pidns: inode }).subscribe((e) => ours.push(e));
    const b = exitEvents({ pidns: inode + 1 }).subscribe((e) => other.push(e));
    const w = await waited('sh', ['-c', 'exit 4']);
    await waitFor('the exit in our namespace', () => ours.some((e) => e.pid === w.pid));
    await new Promise((r) => setTimeout(r, 200));
    a.unsubscribe();
    b.unsubscribe();
    expect(ours.find((e) => e.pid === w.pid)).toMatchObject({ exitCode: 4, pidns: inode });
    expect(other).toEqual([]);
  });
});
