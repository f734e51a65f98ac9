// Live: real processes, real exec events from the kernel, checked field by field.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { execEvents, type ExecEvent } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

interface Spawned {
  pid: number;
  argv: string[];
  uid: number;
  gid: number;
  truncated: boolean;
}

const PARENTS = 3;
const PER_PARENT = 110;

// Every test runs over both transports: the BPF ring buffer and the perf event array.
describe.skipIf(!canRunLive).each(['ringbuf', 'perf'] as const)(`live exec events over %s${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, (transport) => {
  it(`observes ${PARENTS * PER_PARENT} processes from ${PARENTS} parents exactly once, field by field`, async () => {
    const tag = `kwtest-${randomUUID()}`;
    const fdsBefore = openFdCount();
    const seen: ExecEvent[] = [];
    const subscription = execEvents({ transport }).subscribe((e) => {
      if (e.argv[1] === tag) seen.push(e);
    });

    const parents = await Promise.all(
      Array.from({ length: PARENTS }, () => run(process.execPath, [repoPath('test/helpers/spawn-many.mjs'), tag, String(PER_PARENT)])),
    );
    const expected = parents.flatMap((p) => {
      expect(p.code, p.stderr).toBe(0);
      const { parent, spawned } = JSON.parse(p.stdout) as { parent: number; spawned: Spawned[] };
      return spawned.map((s) => ({ ...s, ppid: parent }));
    });
    expect(expected).toHaveLength(PARENTS * PER_PARENT);
    await waitFor('every exec event', () => seen.length >= expected.length);
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would arrive now
    subscription.unsubscribe();

    const byPid = new Map<number, ExecEvent[]>();
    for (const e of seen) byPid.set(e.pid, [...(byPid.get(e.pid) ?? []), e]);
    for (const s of expected) {
      const events = byPid.get(s.pid) ?? [];
      expect(events, `pid ${s.pid}`).toHaveLength(1);
      const e = events[0]!;
      expect({ ppid: e.ppid, uid: e.uid, gid: e.gid, filename: e.filename, comm: e.comm, truncated: e.truncated }).toEqual({
        ppid: s.ppid,
        uid: s.uid,
        gid: s.gid,
        filename: '/bin/true',
        comm: 'true',
        truncated: s.truncated,
      });
      if (s.truncated) {
        // A prefix of the real argv within the 8 KiB limit; the last kept argument may be cut.
        const kept = e.argv.length;
        expect(kept).toBeGreaterThan(100);
        expect(kept).toBeLessThan(s.argv.length);
        expect(e.argv.slice(0, kept - 1)).toEqual(s.argv.slice(0, kept - 1));
        expect(s.argv[kept - 1]!.startsWith(e.argv[kept - 1]!)).toBe(true);
        expect(Buffer.byteLength(e.argv.join('\0') + '\0')).toBeLessThanOrEqual(8192);
      } else {
        expect(e.argv).toEqual(s.argv);
      }
      expect(e.ts).toBeGreaterThan(0n);
    }
    expect(seen).toHaveLength(expected.length);
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('filters by pid namespace in the kernel', async () => {
    const tag = `kwns-${randomUUID()}`;
    // A shell in a new pid namespace prints its namespace inode, waits for a line, then execs.
    const { spawn } = await import('node:child_process');
    const inside = spawn('unshare', ['--pid', '--fork', 'sh', '-c', `stat -L -c %i /proc/self/ns/pid; read go; for i in 1 2 3 4 5; do /bin/true ${tag} inside $i; done`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const pidns = await new Promise<number>((resolve) => inside.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(pidns).toBeGreaterThan(0);

    const seen: ExecEvent[] = [];
    const subscription = execEvents({ pidns, transport }).subscribe((e) => seen.push(e));
    const outside = await run('sh', ['-c', `for i in 1 2 3 4 5; do /bin/true ${tag} outside $i; done`]);
    expect(outside.code).toBe(0);
    inside.stdin.end('go\n');
    await new Promise((r) => inside.once('close', r));
    await waitFor('the 5 execs inside the namespace', () => seen.filter((e) => e.argv[1] === tag).length >= 5);
    await new Promise((r) => setTimeout(r, 200));
    subscription.unsubscribe();

    const tagged = seen.filter((e) => e.argv[1] === tag);
    expect(tagged.map((e) => e.argv.slice(2).join(' '))).toEqual(['inside 1', 'inside 2', 'inside 3', 'inside 4', 'inside 5']);
    expect(seen.every((e) => e.pidns === pidns)).toBe(true);
  });
});
