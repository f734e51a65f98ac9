// Live (issue 15, features): exec and exit filtered in the kernel by pid, ppid, uid and cgroup; --comm
// in user space; failed execs with their errno (execsnoop -x); failed exits only (exitsnoop -x); and a
// script's argv as execve received it (defect 9: `./s.sh arg`, not `./s.sh ./s.sh arg`).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCgroupRoot, execEvents, exitEvents, type ExecEvent, type ExitEvent } from 'kwire';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'kw15-filters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Events of `source` while `work` runs, until `done` holds. */
async function during<E>(source: import('rxjs').Observable<E>, work: () => Promise<unknown>, done: (seen: E[]) => boolean, ms = 15_000): Promise<E[]> {
  const seen: E[] = [];
  const warm = `kw15-warm-${randomUUID()}`;
  let attached = false;
  const s = source.subscribe((e) => seen.push(e));
  // attached once an exec of ours shows, or (for filtered sources) after a quiet moment of trying
  const probe = execEvents().subscribe((e) => {
    if (e.argv[1] === warm) attached = true;
  });
  await waitFor('the programs to be attached', () => {
    execFileSync('/bin/true', [warm]);
    return attached;
  });
  probe.unsubscribe();
  await work();
  await waitFor('the events', () => done(seen), ms).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200));
  s.unsubscribe();
  return seen;
}

const tagged = (tag: string) => (e: ExecEvent) => e.argv.includes(tag);

describe.skipIf(!canRunLive)(`process filters${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('a script shows its argv as execve received it: ./s.sh arg (defect 9)', async () => {
    const tag = `kw15-${randomUUID()}`;
    const script = join(dir, 's.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const seen = await during(execEvents(), () => run('sh', ['-c', `cd ${dir} && ./s.sh ${tag}`]), (s) => s.some(tagged(tag)));
    const mine = seen.filter(tagged(tag));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ filename: './s.sh', argv: ['./s.sh', tag], ret: 0 });
  });

  it("argv 'exec': the new process's argv, and no syscall program attached", async () => {
    const tag = `kw15-${randomUUID()}`;
    const script = join(dir, 's3.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const seen = await during(execEvents({ argv: 'exec' }), async () => {
      const names = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })).map((p: { name?: string }) => p.name);
      expect(names).toContain('kw_exec');
      return run('sh', ['-c', `cd ${dir} && ./s3.sh ${tag}`]);
    }, (s) => s.some(tagged(tag)));
    expect(seen.filter(tagged(tag)).map((e) => e.argv)).toEqual([['/bin/sh', './s3.sh', tag]]);
  });

  it('kwire exec prints ./s.sh arg once (defect 9)', async () => {
    const tag = `kw15-${randomUUID()}`;
    const script = join(dir, 's2.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const child = spawn(process.execPath, [repoPath('packages/cli/bin/kwire.js'), 'exec', '--comm', '^s2\\.sh$'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise((r) => child.on('close', r));
    await waitFor('the header', () => out.includes('ARGS'), 30_000);
    await waitFor('the script', () => {
      execFileSync('sh', ['-c', `cd ${dir} && ./s2.sh ${tag}`]);
      return out.includes(tag);
    });
    child.kill('SIGINT');
    await closed;
    const rows = out.split('\n').filter((l) => l.includes(tag));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(new RegExp(`s2\\.sh +\\d+ +\\d+ +0 +0 +\\./s2\\.sh ${tag}$`));
    expect(out.split('\n').slice(1).filter(Boolean).every((l) => / s2\.sh /.test(l))).toBe(true); // --comm
  });

  it('failed execs with their errno (-x): RET and errno', async () => {
    const tag = `kw15-${randomUUID()}`;
    const seen = await during(execEvents({ failed: true }), () => run('sh', ['-c', `/nonexistent/kw15 ${tag}; ${dir} ${tag}; true`]), (s) => s.filter(tagged(tag)).length >= 2);
    const mine = seen.filter(tagged(tag));
    expect(mine.map((e) => [e.filename, e.ret])).toEqual([['/nonexistent/kw15', -2], [dir, -13]]);
    const plain = await during(execEvents(), () => run('sh', ['-c', `/nonexistent/kw15 ${tag}; true`]), () => false, 500);
    expect(plain.filter(tagged(tag))).toEqual([]); // without failed: none
  });

  it('--uid, --pid, --ppid and --cgroup filter in the kernel', async () => {
    const tag = `kw15-${randomUUID()}`;
    const byUid = await during(execEvents({ uid: 65534 }), () => run('sh', ['-c', `/bin/true ${tag}; setpriv --reuid 65534 --regid 65534 --clear-groups /bin/true ${tag}`]), (s) => s.some(tagged(tag)));
    expect(byUid.filter(tagged(tag)).map((e) => e.uid)).toEqual([65534]);
    expect(byUid.every((e) => e.uid === 65534)).toBe(true);

    const held = spawn('sh', ['-c', `read x; exec /bin/true ${tag} pid`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const byPid = await during(execEvents({ pid: held.pid! }), async () => {
      await run('/bin/true', [tag, 'other']);
      held.stdin!.end('\n');
    }, (s) => s.length > 0);
    expect(byPid.map((e) => e.argv.slice(1))).toEqual([[tag, 'pid']]);

    const byPpid = await during(execEvents({ ppid: process.pid }), () => run('/bin/true', [tag, 'child']), (s) => s.some(tagged(tag)));
    expect(byPpid.every((e) => e.ppid === process.pid)).toBe(true);
    expect(byPpid.some(tagged(tag))).toBe(true);

    const root = defaultCgroupRoot();
    const cgroup = `${root}/kw15-${randomUUID().slice(0, 8)}`;
    mkdirSync(cgroup);
    try {
      const sub = join(cgroup, 'inner');
      mkdirSync(sub);
      const byCgroup = await during(execEvents({ cgroup }), () => run('sh', ['-c', `/bin/true ${tag} outside; echo $$ > ${sub}/cgroup.procs && /bin/true ${tag} inside; echo $$ > ${root}/cgroup.procs`]), (s) => s.some(tagged(tag)));
      expect(byCgroup.filter(tagged(tag)).map((e) => e.argv[2])).toEqual(['inside']);
      const exitsIn = await during(exitEvents({ cgroup, failed: true }), () => run('sh', ['-c', `sh -c 'exit 3'; echo $$ > ${sub}/cgroup.procs && sh -c 'exit 0'; sh -c 'exit 4'; echo $$ > ${root}/cgroup.procs`]), (s) => s.length > 0);
      expect(exitsIn.map((e: ExitEvent) => e.exitCode)).toEqual([4]);
    } finally {
      for (const d of [join(cgroup, 'inner'), cgroup]) {
        try {
          rmdirSync(d);
        } catch (error) {
          console.error(`kw15: cannot remove ${d}: ${(error as Error).message}`);
        }
      }
    }
  });
});
