// Live: the exit-status store, pinned in a bpffs, across processes; its refusals, typed; its cleanup.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BPF_FS_MAGIC, EXIT_STORE_DIR, ExitStore, isKwireError, type KwireErrorCode } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';
import { kwProgramIds } from './helpers/kw-programs.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

const CLK_TCK = 100;

function expectCode(call: () => unknown, code: KwireErrorCode): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(isKwireError(thrown, code), String(thrown)).toBe(true);
}

/** A child that exits with `code` once its stdin closes; resolves its pid and, later, waitpid's word. */
function held(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  const done = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { pid: child.pid!, release: () => child.stdin!.end(), kill: (s: NodeJS.Signals) => child.kill(s), done };
}

/** Loaded kw_exit_store programs (a program freed between the listing and its lookup is not one). */
const storePrograms = () =>
  kwProgramIds().filter((id) => {
    try {
      return execFileSync('bpftool', ['prog', 'show', 'id', String(id)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('kw_exit_store');
    } catch {
      return false;
    }
  });

describe.skipIf(!canRunLive)(`live exit-status store${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  let root = '';
  let fdsBefore = 0;
  beforeEach(() => {
    fdsBefore = openFdCount();
    root = mkdtempSync(join(tmpdir(), 'kwire-store-'));
  });
  afterEach(() => {
    if (existsSync(join(root, EXIT_STORE_DIR))) ExitStore.remove(root);
    if (statfsSync(root).type === BPF_FS_MAGIC) execFileSync('umount', [root]);
    rmSync(root, { recursive: true, force: true });
  });

  it('survives the process that pinned it: a second process reads the exits, deletes them, then the pins go', async () => {
    const first = await run(process.execPath, [repoPath('test/helpers/exit-store-first.mjs'), root]);
    expect(first.code, first.stderr).toBe(0);
    const { killed, exiting, killedStart, traced } = JSON.parse(first.stdout) as { killed: number; exiting: number; killedStart: number; traced: string };
    expect(traced).toBe('1001');
    expect(statfsSync(root).type).toBe(BPF_FS_MAGIC); // mounted by ensureRunning
    expect(readdirSync(join(root, EXIT_STORE_DIR)).sort()).toEqual(['exited_events', 'kw_exit_store', 'kw_exit_store_link', 'tracing_tasks']);
    expect(storePrograms()).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 200)); // the target lives a while
    process.kill(killed, 'SIGKILL');
    await waitFor('both targets to be gone', () => !existsSync(`/proc/${killed}`) && !existsSync(`/proc/${exiting}`));

    const second = await run(process.execPath, [repoPath('test/helpers/exit-store-second.mjs'), root, '1001', '1002', '1003']);
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out['1001'].exited).toMatchObject({ pid: killed, tid: killed, exitCode: 0, signal: 9, status: 9, comm: 'sleep', traceId: '1001', fromWait: false });
    expect(out['1002'].exited).toMatchObject({ pid: exiting, exitCode: 3, signal: 0, status: 0x300, comm: 'sh', traceId: '1002' });
    const e = out['1001'].exited;
    const start = BigInt(e.startTime);
    const exit = BigInt(e.exitTime);
    // startTime agrees with /proc/PID/stat's starttime (clock ticks after boot), to a tick or two.
    expect(Math.abs(Number(start / BigInt(1e9 / CLK_TCK)) - killedStart)).toBeLessThanOrEqual(2);
    expect(exit - start).toBeGreaterThan(200_000_000n); // it was killed after 200 ms at least
    expect(out['1001'].deleted).toBe(true);
    expect(out['1001'].after).toBeNull();
    expect(out['1003']).toEqual({ deleted: false, after: null });

    expect(ExitStore.remove(root)).toBe(true);
    expect(existsSync(join(root, EXIT_STORE_DIR))).toBe(false);
    expect(statfsSync(root).type).not.toBe(BPF_FS_MAGIC); // issue 15, defect 1: what kwire mounted, kwire unmounts
    await waitFor('the pinned program to be freed', () => storePrograms().length === 0);
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('refuses a plain directory that is not empty (a bpffs over it would hide its files), and keeps a bpffs it did not mount (issue 15, defect 1)', () => {
    writeFileSync(join(root, 'precious'), 'keep me\n');
    let thrown: unknown;
    try {
      ExitStore.ensureRunning(root);
    } catch (error) {
      thrown = error;
    }
    expect(isKwireError(thrown, 'ENOT_BPFFS'), String(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/is not a bpffs and not empty \(1 entry, e\.g\. precious\): a bpffs mounted over it would hide them/);
    expect(statfsSync(root).type).not.toBe(BPF_FS_MAGIC);
    expect(readdirSync(root)).toEqual(['precious']);
    rmSync(join(root, 'precious'));

    execFileSync('mount', ['-t', 'bpf', 'bpf', root]); // someone else's bpffs
    ExitStore.ensureRunning(root).close();
    expect(ExitStore.remove(root)).toBe(true);
    expect(statfsSync(root).type).toBe(BPF_FS_MAGIC); // not kwire's to unmount
    expect(storePrograms().length).toBeLessThanOrEqual(1);
  });

  it('records only the traced pid, in the right pid namespace, once (insert only), and forgets the pid', async () => {
    const store = ExitStore.ensureRunning(root);
    const a = held('sh', ['-c', 'read x; exit 1']);
    const b = held('sh', ['-c', 'read x; exit 2']);
    const wrongNs = held('sh', ['-c', 'read x; exit 5']);
    const untraced = held('sh', ['-c', 'read x; exit 7']);
    store.trace(a.pid, { traceId: 7n });
    store.trace(b.pid, { traceId: 7n }); // same trace id: the first exit recorded wins
    store.trace(wrongNs.pid, { traceId: 8n, pidns: 1 });
    store.trace(untraced.pid, { traceId: 9n });
    expect(store.untrace(untraced.pid)).toBe(true);
    a.release();
    await a.done;
    await waitFor('the first exit', () => store.getExited(7n) !== undefined);
    for (const h of [b, wrongNs, untraced]) h.release();
    await Promise.all([b.done, wrongNs.done, untraced.done]);
    await new Promise((r) => setTimeout(r, 100));
    expect(store.getExited(7n)).toMatchObject({ pid: a.pid, exitCode: 1 });
    expect(store.getExited(8n)).toBeUndefined();
    expect(store.getExited(9n)).toBeUndefined();
    expect(store.getTracingTask(a.pid)).toBeUndefined(); // the kernel side forgets a recorded pid
    expect(store.getTracingTask(b.pid)).toBeUndefined();
    expect(store.getTracingTask(wrongNs.pid)).toEqual({ traceId: 8n, pidns: 1 });
    expect(store.exitedTraceIds()).toEqual([7n]);
    store.close();
  });

  it('records a pid counted in a child pid namespace', async () => {
    const store = ExitStore.ensureRunning(root);
    const inner = spawn('unshare', ['--pid', '--fork', 'sh', '-c', 'stat -L -c %i /proc/self/ns/pid; read go; exit 6'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const pidns = await new Promise<number>((resolve) => inner.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    store.trace(1, { traceId: 66n, pidns }); // the shell is pid 1 in its namespace
    inner.stdin!.end('go\n');
    await new Promise((r) => inner.once('close', r));
    await waitFor('the exit of pid 1 of the child namespace', () => store.getExited(66n) !== undefined);
    expect(store.getExited(66n)).toMatchObject({ exitCode: 6, pidns, comm: 'sh' });
    store.close();
  });

  it('records an exit learned from waitpid unless the kernel did first', async () => {
    const store = ExitStore.ensureRunning(root);
    const h = held('sh', ['-c', 'read x; exit 0']);
    store.trace(h.pid, { traceId: 20n, pidns: 12345 }); // a namespace the kernel will not match
    h.release();
    await h.done;
    expect(store.exitedFromWaitStatus(20n, h.pid, 11 | 0x80, 'sh')).toBe(true); // SIGSEGV, core dumped
    expect(store.getExited(20n)).toMatchObject({ pid: h.pid, exitCode: 0, signal: 11, coreDump: true, fromWait: true, comm: 'sh', pidns: 12345 });
    expect(store.getTracingTask(h.pid)).toBeUndefined();
    expect(store.exitedFromWaitStatus(20n, h.pid, 0)).toBe(false); // insert only

    const k = held('sh', ['-c', 'read x; exit 4']);
    store.trace(k.pid, { traceId: 21n });
    k.release();
    await k.done;
    await waitFor('the kernel record', () => store.getExited(21n) !== undefined);
    expect(store.exitedFromWaitStatus(21n, k.pid, 4 << 8)).toBe(false);
    expect(store.getExited(21n)).toMatchObject({ exitCode: 4, fromWait: false });
    store.close();
  });

  it('times an exit learned from waitpid on the kernel records\' clock (CLOCK_BOOTTIME)', async () => {
    const store = ExitStore.ensureRunning(root);
    const kernelExit = async (traceId: bigint) => {
      const k = held('sh', ['-c', 'read x; exit 0']);
      store.trace(k.pid, { traceId });
      k.release();
      await k.done;
      await waitFor('the kernel record', () => store.getExited(traceId) !== undefined);
      return store.getExited(traceId)!;
    };
    const before = await kernelExit(30n);
    const h = held('sh', ['-c', 'read x; exit 0']);
    store.trace(h.pid, { traceId: 31n, pidns: 12345 }); // a namespace the kernel will not match
    h.release();
    await h.done;
    expect(store.exitedFromWaitStatus(31n, h.pid, 0, 'sh')).toBe(true);
    const after = await kernelExit(32n);
    const fromWait = store.getExited(31n)!;
    expect(fromWait.fromWait && !before.fromWait && !after.fromWait).toBe(true);
    // Between the kernel's own stamps of an exit just before and one just after.
    expect(fromWait.exitTime).toBeGreaterThanOrEqual(before.exitTime);
    expect(fromWait.exitTime).toBeLessThanOrEqual(after.exitTime);
    store.close();
  });

  it('refuses bad input with typed errors and pins nothing half-way', async () => {
    const store = ExitStore.ensureRunning(root, { maxTraced: 2 });
    // no such process
    expectCode(() => store.trace(0x3ffffff0, { traceId: 1n }), 'ENO_SUCH_PROCESS');
    expect(store.getTracingTask(0x3ffffff0)).toBeUndefined();
    // a full tracing map
    const hs = [held('sleep', ['30']), held('sleep', ['30']), held('sleep', ['30'])];
    store.trace(hs[0]!.pid, { traceId: 1n });
    store.trace(hs[1]!.pid, { traceId: 2n });
    expectCode(() => store.trace(hs[2]!.pid, { traceId: 3n }), 'EMAP_FULL');
    expectCode(() => store.trace(hs[0]!.pid, { traceId: 4n }), 'EINVAL_ARGUMENT'); // already traced
    expectCode(() => store.trace(-1, { traceId: 1n }), 'EINVAL_ARGUMENT');
    for (const h of hs) h.kill('SIGKILL');
    await Promise.all(hs.map((h) => h.done));
    store.close();

    // roots that cannot hold pins: missing, a file, another filesystem's mount point, a plain
    // directory when mounting is not allowed
    const missing = join(root, 'missing');
    expectCode(() => ExitStore.ensureRunning(missing), 'ENOT_BPFFS');
    expect(existsSync(missing)).toBe(false);
    const plainParent = mkdtempSync(join(tmpdir(), 'kwire-plain-'));
    try {
      const file = join(plainParent, 'file');
      writeFileSync(file, '');
      expectCode(() => ExitStore.ensureRunning(file), 'ENOT_BPFFS');
      const tmpfs = join(plainParent, 'tmpfs');
      mkdirSync(tmpfs);
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', tmpfs]);
      try {
        expectCode(() => ExitStore.ensureRunning(tmpfs), 'ENOT_BPFFS');
        expect(readdirSync(tmpfs)).toEqual([]);
      } finally {
        execFileSync('umount', [tmpfs]);
      }
      const plain = join(plainParent, 'plain');
      mkdirSync(plain);
      expectCode(() => ExitStore.ensureRunning(plain, { mount: false }), 'ENOT_BPFFS');
      expect(readdirSync(plain)).toEqual([]);
      rmdirSync(plain);
    } finally {
      rmSync(plainParent, { recursive: true, force: true });
    }
    expect(storePrograms()).toHaveLength(1); // only the store of `root`
    expect(openFdCount()).toBe(fdsBefore);
  });
});
