// Live: a workload of real processes (fork without exec, exec, exits 0/7/255, SIGKILL, SIGTERM, setuid,
// a leader that exits before its thread); each must give exactly its events, with the right pid, tgid,
// parents, exit code and signal, enriched from /proc and with the name remembered at the exit.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDeletedProcesses, procEvents, readProcess, type ProcEnrichedEvent } from 'kwire';
import { buildWorkload, canRunProc, procSkipReason } from './helpers/proc-live.js';
import { waitFor } from './helpers/run.js';

type Waited = { pid: number; code: number | null; signal: NodeJS.Signals | null };

/** Runs a command to its end; resolves with its pid and what waitpid said. With `hold`, its stdin
 *  stays open until `hold(pid)` resolves (a `read x` in the script waits for it). */
function waited(command: string, args: string[], hold?: (pid: number) => Promise<void>): Promise<Waited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [hold ? 'pipe' : 'ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid!, code, signal }));
    if (hold) hold(child.pid!).then(() => child.stdin!.end(), reject);
  });
}

// A socket and ring no storm on this machine overruns (another test's fork storm may run meanwhile):
// these tests assert exact events, so nothing may be lost and resynchronised under them.
const roomy = { rcvbuf: 1 << 26, ringCapacity: 1 << 24 };

describe.skipIf(!canRunProc)(`live proc connector events${canRunProc ? '' : ` (skipped: ${procSkipReason})`}`, () => {
  let bins: ReturnType<typeof buildWorkload>;
  const seen: ProcEnrichedEvent[] = [];
  const threadSeen: ProcEnrichedEvent[] = [];
  const subs: Subscription[] = [];
  beforeAll(async () => {
    bins = buildWorkload();
    subs.push(procEvents(roomy).subscribe((e) => seen.push(e)));
    subs.push(procEvents({ ...roomy, threads: true, events: ['fork', 'exec', 'exit', 'uid'] }).subscribe((e) => threadSeen.push(e)));
    // listening once our own child's fork shows up
    const probe = await waited('true', []);
    await waitFor('the first events', () => seen.some((e) => e.type === 'proc-exit' && e.tgid === probe.pid));
  });
  afterAll(() => {
    // every test above assumed nothing was lost: say so if something was
    const lost = subs.length ? procEvents(roomy).stats().lost.enobufs : 0;
    for (const s of subs) s.unsubscribe();
    expect(lost, 'ENOBUFS while the exact-event tests ran').toBe(0);
    if (bins) rmSync(dirname(bins.workload), { recursive: true, force: true });
  });

  /** The events of process `pid` (and of processes it forked), once its exit arrived. */
  async function eventsOf(pid: number, from = seen): Promise<ProcEnrichedEvent[]> {
    await waitFor(`the exit of ${pid}`, () => from.some((e) => e.type === 'proc-exit' && e.tgid === pid && e.processExit));
    const family = new Set([pid]);
    return from.filter((e) => {
      if (e.type === 'proc-fork' && family.has(e.ptgid) && e.pid === e.tgid && e.tgid !== pid) family.add(e.pid);
      return family.has(e.tgid);
    });
  }
  /** The kernel's part of an event (for processes that may be gone before /proc is read). */
  const bare = (e: ProcEnrichedEvent) => {
    const { comm: _c, exe: _e, ...rest } = shape(e) as Record<string, unknown>;
    return rest;
  };
  const shape = (e: ProcEnrichedEvent) => {
    const base = { type: e.type, pid: e.pid, tgid: e.tgid };
    if (e.type === 'proc-fork') return { ...base, ppid: e.ppid, ptgid: e.ptgid };
    if (e.type === 'proc-exit') return { ...base, exitCode: e.exitCode, signal: e.signal, comm: e.comm, processExit: e.processExit };
    if (e.type === 'proc-exec') return { ...base, comm: e.comm, exe: e.exe };
    if (e.type === 'proc-uid') return { ...base, ruid: e.ruid, euid: e.euid };
    return base;
  };

  it.each([
    ['exit 0', 0, null],
    ['exit 7', 7, null],
    ['exit 255', 255, null],
    ['kill -KILL $$', null, 'SIGKILL'],
    ['kill -TERM $$', null, 'SIGTERM'],
  ] as const)('sh -c "%s": fork, exec, exit with its code or signal', async (script, code, signal) => {
    // the shell waits on its stdin until its exec event arrived, so /proc still has it then
    const execSeen = (pid: number) => waitFor(`the exec of ${pid}`, () => seen.some((e) => e.type === 'proc-exec' && e.tgid === pid));
    const r = await waited('sh', ['-c', `read x; ${script}`], execSeen);
    expect([r.code, r.signal]).toEqual([code, signal]);
    const got = await eventsOf(r.pid);
    const exe = got.find((e) => e.type === 'proc-exec')!;
    expect(got.map(shape)).toEqual([
      { type: 'proc-fork', pid: r.pid, tgid: r.pid, ppid: process.pid, ptgid: process.pid },
      { type: 'proc-exec', pid: r.pid, tgid: r.pid, comm: 'sh', exe: exe.exe },
      {
        type: 'proc-exit', pid: r.pid, tgid: r.pid, exitCode: code ?? 0, signal: signal === null ? 0 : signal === 'SIGKILL' ? 9 : 15, comm: 'sh', processExit: true,
      },
    ]);
    expect(exe).toMatchObject({ origin: 'kernel', gone: false, cmdline: ['sh', '-c', `read x; ${script}`], ppid: process.pid, uid: process.getuid!() });
    expect(exe.exe).toMatch(/\/(dash|bash|sh)$/);
    // the exit has the name /proc no longer has
    expect(got.at(-1)).toMatchObject({ known: true, cmdline: ['sh', '-c', `read x; ${script}`] });
  });

  it('a fork without exec: the child keeps its parent\'s name and exits with its code', async () => {
    const r = await waited(bins.workload, ['fork', '3']);
    expect(r.code).toBe(0);
    const got = await eventsOf(r.pid);
    const child = got.find((e) => e.type === 'proc-fork' && e.tgid !== r.pid)!;
    expect(got.map(bare)).toEqual([
      { type: 'proc-fork', pid: r.pid, tgid: r.pid, ppid: process.pid, ptgid: process.pid },
      { type: 'proc-exec', pid: r.pid, tgid: r.pid },
      { type: 'proc-fork', pid: child.pid, tgid: child.pid, ppid: r.pid, ptgid: r.pid },
      { type: 'proc-exit', pid: child.pid, tgid: child.pid, exitCode: 3, signal: 0, processExit: true },
      { type: 'proc-exit', pid: r.pid, tgid: r.pid, exitCode: 0, signal: 0, processExit: true },
    ]);
    // the child inherits what the parent was known as (its comm, or nothing if its exec found it gone)
    expect(got[3]!.comm).toBe(got[1]!.comm);
  });

  it('an exec whose process is gone before /proc is read is flagged, not dropped, and its exit still comes', async () => {
    // spawnSync blocks this thread until the child is reaped: its events are read after it is gone
    const r = spawnSync('sh', ['-c', 'exit 4']);
    expect(r.status).toBe(4);
    const got = await eventsOf(r.pid!);
    expect(got.map(bare)).toEqual([
      { type: 'proc-fork', pid: r.pid, tgid: r.pid, ppid: process.pid, ptgid: process.pid },
      { type: 'proc-exec', pid: r.pid, tgid: r.pid },
      { type: 'proc-exit', pid: r.pid, tgid: r.pid, exitCode: 4, signal: 0, processExit: true },
    ]);
    expect(got[1]).toMatchObject({ gone: true });
    expect(got[1]!.cmdline).toBeUndefined();
    expect(got[2]!.comm).not.toBe('node'); // the pre-exec name is not carried to the exit
  });

  it('pidns: only the events of processes in that pid namespace', async () => {
    // a shell in a new pid namespace that waits on its stdin, then runs a child that exits with 3
    const ns = spawn('unshare', ['--pid', '--fork', 'sh', '-c', 'read x; sh -c "exit 3"; exit 0'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const nsExited = new Promise((resolve) => ns.on('exit', resolve));
    await waitFor('the shell in the new namespace', () => seen.some((e) => e.type === 'proc-exec' && e.ppid === ns.pid && e.comm === 'sh'));
    const shell = seen.find((e) => e.type === 'proc-exec' && e.ppid === ns.pid && e.comm === 'sh')!;
    const inode = shell.pidns!;
    expect(inode).toBeGreaterThan(0);
    expect(inode).not.toBe(seen.find((e) => e.tgid === ns.pid)?.pidns);
    const inNs: ProcEnrichedEvent[] = [];
    const sub = procEvents({ ...roomy, pidns: inode }).subscribe((e) => inNs.push(e));
    try {
      ns.stdin!.end();
      await nsExited;
      await waitFor('the exits in the namespace', () => inNs.some((e) => e.type === 'proc-exit' && e.tgid === shell.tgid) && inNs.some((e) => e.type === 'proc-exit' && (e as { exitCode: number }).exitCode === 3));
      expect(inNs.every((e) => e.pidns === inode)).toBe(true);
      expect(inNs.filter((e) => e.type === 'proc-exit').map((e) => (e as { exitCode: number }).exitCode), JSON.stringify(inNs, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toEqual([3, 0]);
      expect(inNs.some((e) => e.tgid === ns.pid)).toBe(false); // unshare itself is in ours
    } finally {
      sub.unsubscribe();
    }
  });

  it('names: only processes of that name, exits matched by the remembered name', async () => {
    const named: ProcEnrichedEvent[] = [];
    const byPattern: ProcEnrichedEvent[] = [];
    const subs2 = [
      procEvents({ ...roomy, names: ['proc-workload'], events: ['fork', 'exec', 'exit'] }).subscribe((e) => named.push(e)),
      procEvents({ ...roomy, names: [/^proc-work/], events: ['exec', 'exit'] }).subscribe((e) => byPattern.push(e)),
    ];
    try {
      // held on its stdin (and its child a zombie) until its exec was read from /proc
      const holder = spawn(bins.workload, ['zombie'], { stdio: ['pipe', 'pipe', 'ignore'] });
      const exited = new Promise((resolve) => holder.on('exit', resolve));
      await waitFor('its exec', () => named.some((e) => e.type === 'proc-exec' && e.tgid === holder.pid));
      holder.stdin!.end();
      await exited;
      await waitFor('its exit', () => named.some((e) => e.type === 'proc-exit' && e.tgid === holder.pid) && byPattern.some((e) => e.type === 'proc-exit' && e.tgid === holder.pid));
      expect(named.every((e) => e.comm === 'proc-workload')).toBe(true);
      const mine = named.filter((e) => e.tgid === holder.pid || (e.type !== 'proc-exec' && e.ppid === holder.pid));
      expect(mine.map((e) => e.type)).toEqual(['proc-exec', 'proc-fork', 'proc-exit', 'proc-exit']); // no fork of node's child: it was 'node'
      expect(mine.at(-1)).toMatchObject({ known: true, exe: bins.workload, cmdline: [bins.workload, 'zombie'] });
      expect(byPattern.filter((e) => e.tgid === holder.pid).map((e) => e.type)).toEqual(['proc-exec', 'proc-exit']);
    } finally {
      for (const sub of subs2) sub.unsubscribe();
    }
  });

  it('findDeletedProcesses: the pids that ended, a zombie among them; readProcess of a zombie is undefined', async () => {
    const holder = spawn(bins.workload, ['zombie'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const zombie = await new Promise<number>((resolve) => holder.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const ended = await waited('true', []);
    try {
      expect(readProcess(zombie)).toBeUndefined();
      expect(readProcess(process.pid)).toMatchObject({ ppid: process.ppid, uid: process.getuid!() });
      expect(findDeletedProcesses(new Map([[process.pid, 'me'], [zombie, 'zombie'], [ended.pid, 'true']]))).toEqual(new Set([zombie, ended.pid]));
      expect(findDeletedProcesses([holder.pid!])).toEqual(new Set());
    } finally {
      holder.stdin!.end();
    }
  });

  it('setuid: a uid event with the new real and effective uid', async () => {
    const r = await waited(bins.workload, ['setuid', '65534']);
    expect(r.code).toBe(0);
    const got = await eventsOf(r.pid);
    expect(got.map((e) => e.type)).toEqual(['proc-fork', 'proc-exec', 'proc-uid', 'proc-exit']);
    expect(shape(got[2]!)).toEqual({ type: 'proc-uid', pid: r.pid, tgid: r.pid, ruid: 65534, euid: 65534 });
  });

  it('a leader that exits before its thread: one process exit, at the last thread, with its code', async () => {
    const r = await waited(bins.threads, ['leader-first-exit', '5']);
    expect(r.code).toBe(5);
    const got = await eventsOf(r.pid);
    expect(got.map(bare)).toEqual([
      { type: 'proc-fork', pid: r.pid, tgid: r.pid, ppid: process.pid, ptgid: process.pid },
      { type: 'proc-exec', pid: r.pid, tgid: r.pid },
      { type: 'proc-exit', pid: expect.any(Number), tgid: r.pid, exitCode: 5, signal: 0, processExit: true },
    ]);
    const tid = got[2]!.pid;
    expect(tid).not.toBe(r.pid);
    // with threads: the thread's fork, the leader's own exit (code 0, the process lives on), the thread's exit
    const all = await eventsOf(r.pid, threadSeen);
    expect(all.map(bare)).toEqual([
      { type: 'proc-fork', pid: r.pid, tgid: r.pid, ppid: process.pid, ptgid: process.pid },
      { type: 'proc-exec', pid: r.pid, tgid: r.pid },
      // a thread's parent, as the kernel reports it (real_parent), is its process's parent
      { type: 'proc-fork', pid: tid, tgid: r.pid, ppid: process.pid, ptgid: process.pid },
      { type: 'proc-exit', pid: r.pid, tgid: r.pid, exitCode: 0, signal: 0, processExit: false },
      { type: 'proc-exit', pid: tid, tgid: r.pid, exitCode: 5, signal: 0, processExit: true },
    ]);
  });
});
