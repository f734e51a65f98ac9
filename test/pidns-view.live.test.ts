// Live (issue 15, feature): with --pidns, exec and exit show each pid as the target pid namespace sees
// it (NSPID, JSON nspid) beside the host's: read from /proc when the event arrives, remembered from the
// command's start (an exit's process may be reaped before its event is read: then none).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

describe.skipIf(!canRunLive)(`pids in the --pidns namespace${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it.each(['exec', 'exit'])('kwire %s --pidns: nspid is the pid inside the namespace', async (command) => {
    const tag = `kw15-${randomUUID()}`;
    // a pid namespace of our own: unshare's child is its pid 1, the sh it runs execs what follows
    const ns = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', `read x; sh -c 'sleep 1' ${tag}; exec sleep 30`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const children = () => readFileSync(`/proc/${ns.pid}/task/${ns.pid}/children`, 'utf8').trim().split(' ')[0] ?? '';
    await waitFor('the namespace', () => children() !== '');
    const child = children();
    const inode = Number(/pid:\[(\d+)\]/.exec(readlinkSync(`/proc/${child}/ns/pid`))![1]);
    const kwire = spawn(process.execPath, [repoPath('packages/cli/bin/kwire.js'), command, '--json', '--pidns', String(inode)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    kwire.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise((r) => kwire.on('close', r));
    await new Promise((r) => setTimeout(r, 1500)); // attached (no event can tell: the namespace is quiet until released)
    ns.stdin!.end('\n');
    if (command === 'exit') {
      await new Promise((r) => setTimeout(r, 500));
      process.kill(Number(child), 'SIGKILL'); // the namespace's pid 1 (known since kwire started)
    }
    await waitFor('the events', () => out.split('\n').some((l) => (command === 'exec' ? l.includes(tag) : l.includes(`"pid":${child},`))), 20_000);
    kwire.kill('SIGINT');
    await closed;
    try {
      process.kill(Number(child), 'SIGKILL');
    } catch {
      // gone
    }
    ns.kill('SIGKILL');
    const events = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; nspid?: number; comm: string; argv?: string[] });
    if (command === 'exec') {
      const mine = events.find((e) => e.argv?.includes(tag))!;
      expect(mine.nspid).toBeGreaterThan(1); // sh is 1 in there; true is a later pid
      expect(mine.nspid).toBeLessThan(mine.pid);
    } else {
      expect(events.find((e) => e.pid === Number(child))?.nspid).toBe(1);
    }
  });
});
