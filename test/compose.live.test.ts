// Live: processes() on a known workload (argv, durations within what the test measured, exit codes and
// signals, parents, a fork that never execs, the test itself found by the /proc scan); topTalkers() on
// transfers between two network namespaces (kw17-*); a process in a cgroup of the test's own (kw17-*)
// enriched with its path.
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { filter, tap } from 'rxjs';
import { Enricher, enrich, execEvents, flows, missingNetworkCapabilities, processes, scanProcesses, topTalkers, type ExecEvent, type FlowBatch, type ProcessChange, type TopTalkers } from 'kwire';
import { cgroupV2Root } from '../packages/kwire/src/enrich/cgroup-paths.js';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { createNetnsPair, type NetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

const skip = canRunLive ? '' : ` (skipped: ${liveSkipReason})`;

/** Runs sh -c SCRIPT with $0 = tag; resolves with its pid and the wall time around it (ns). */
async function sh(script: string, tag: string) {
  const before = process.hrtime.bigint();
  const child = spawn('sh', ['-c', script, tag], { stdio: 'ignore' });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { pid: child.pid!, code, signal, wall: process.hrtime.bigint() - before };
}

describe.skipIf(!canRunLive)(`processes() live${skip}`, () => {
  it('a known workload gives its process records: argv, durations within the measured bound, exit codes, signals, parents', async () => {
    const tag = `kw17-${randomUUID()}`;
    const changes: ProcessChange[] = [];
    const source = processes();
    const sub = source.subscribe((c) => changes.push(c));
    await waitFor('the scan', () => changes.some((c) => c.change === 'scan'));
    // Started after the subscription is live: the exec source attaches on subscribe.
    await new Promise((r) => setTimeout(r, 300));
    const slow = await sh('sleep 0.3; exit 3', tag);
    const killed = await sh('kill -TERM $$', tag);
    const nested = await sh(`sh -c 'exit 0' ${tag}-child; (sleep 0.05; exit 4); exit 0`, tag);
    const ended = (pid: number) => changes.find((c) => c.change === 'exit' && c.process.pid === pid)?.process;
    await waitFor('every exit', () => [slow, killed, nested].every((s) => ended(s.pid)));
    const child = await waitFor2(() => changes.find((c) => c.change === 'exit' && c.process.argv.at(-1) === `${tag}-child`)?.process);
    const forkOnly = await waitFor2(() => changes.find((c) => c.change === 'exit' && c.process.ppid === nested.pid && c.process.exitCode === 4)?.process);
    sub.unsubscribe();

    const s = ended(slow.pid)!;
    expect(s).toMatchObject({ argv: ['sh', '-c', 'sleep 0.3; exit 3', tag], ppid: process.pid, exitCode: 3, signal: 0, origin: 'exec', startExact: true, preexisting: false });
    expect(s.duration!).toBeGreaterThanOrEqual(300_000_000n);
    expect(s.duration!).toBeLessThanOrEqual(slow.wall);
    expect(ended(killed.pid)).toMatchObject({ exitCode: 0, signal: 15 });
    expect(ended(killed.pid)!.duration!).toBeLessThanOrEqual(killed.wall);
    expect(ended(nested.pid)).toMatchObject({ exitCode: 0, ppid: process.pid });
    expect(child).toMatchObject({ ppid: nested.pid, exitCode: 0 });
    // the subshell forked and never exec'd: known from its exit alone
    expect(forkOnly).toMatchObject({ origin: 'exit', execs: 0, comm: 'sh', argv: [] });
    // the tree: the child's ancestors are the nested shell and this test, found running by the scan
    const chain = source.table.ancestors(child.pid);
    expect(chain.slice(0, 2).map((p) => p.pid)).toEqual([nested.pid, process.pid]);
    expect(chain[1]).toMatchObject({ origin: 'scan', preexisting: true });
    expect(source.table.stats().running).toBeGreaterThan(0);
  });
});

describe.skipIf(!canRunLive)(`processes({ source: 'proc' }) live${skip}`, () => {
  it('the proc connector feeds the same join: argv from /proc at exec, exit codes, a fork that never execs known from its fork', async () => {
    const tag = `kw17-${randomUUID()}`;
    const changes: ProcessChange[] = [];
    const source = processes({ source: 'proc', scan: false });
    const sub = source.subscribe((c) => changes.push(c));
    await new Promise((r) => setTimeout(r, 300));
    const ended = (pid: number) => changes.find((c) => c.change === 'exit' && c.process.pid === pid)?.process;
    // The socket listens once subscribed: a run whose exec came before it is seen from its exit only; run again.
    let run = await sh('sleep 0.2; (sleep 0.05; exit 4); exit 3', tag);
    for (let i = 0; i < 10; i++) {
      await waitFor('its exit', () => ended(run.pid) !== undefined);
      if (ended(run.pid)!.execs > 0) break;
      run = await sh('sleep 0.2; (sleep 0.05; exit 4); exit 3', tag);
    }
    const forkOnly = await waitFor2(() => changes.find((c) => c.change === 'exit' && c.process.ppid === run.pid && c.process.exitCode === 4)?.process);
    sub.unsubscribe();
    const r = ended(run.pid)!;
    expect(r).toMatchObject({ argv: ['sh', '-c', 'sleep 0.2; (sleep 0.05; exit 4); exit 3', tag], exitCode: 3, ppid: process.pid });
    expect(r.duration!).toBeGreaterThanOrEqual(200_000_000n);
    expect(forkOnly).toMatchObject({ origin: 'fork', execs: 0, argv: r.argv }); // a fork starts with its parent's argv
  });
});

async function waitFor2<T>(get: () => T | undefined): Promise<T> {
  let v: T | undefined;
  await waitFor('a record', () => (v = get()) !== undefined);
  return v!;
}

const netSkip = !canRunLive ? skip : missingNetworkCapabilities().length > 0 ? ` (skipped: lacks ${missingNetworkCapabilities().join(' and ')})` : '';
describe.skipIf(netSkip !== '')(`topTalkers() live${netSkip}`, () => {
  let pair: NetnsPair | undefined;
  afterAll(() => pair?.cleanup());

  it('transfers between two network namespaces give the expected top talker, its bytes those of its flow', async () => {
    pair = createNetnsPair('kw17');
    const p = pair;
    const nsA = p.inode(p.a);
    const traffic = repoPath('test/helpers/traffic.py');
    const results: TopTalkers[] = [];
    const destroys: Array<{ port: number; bytes: number }> = [];
    const sub = flows({ idleTimeout: 1000 })
      .pipe(
        tap((b: FlowBatch) => {
          for (let i = 0; i < b.length; i++) if (b.kind[i] === 2 && b.netns[i] === nsA) destroys.push({ port: b.dstPort[i]!, bytes: b.bytesOrig[i]! + b.bytesRet[i]! });
        }),
        topTalkers({ by: ['netns', 'dstAddr', 'dstPort'], window: 500, limit: 1000 }),
      )
      .subscribe((t) => results.push(t));
    const transfer = async (port: number, bytes: number) => {
      const server = p.start(p.b, 'python3', [traffic, 'tcp-server', String(port), '1000']);
      await once(server.stdout!, 'data');
      p.run(p.a, 'python3', [traffic, 'tcp-client', p.v4.b, String(port), String(bytes)]);
      await once(server, 'exit');
    };
    await transfer(21701, 600_000);
    await transfer(21702, 50_000);
    await waitFor('both destroys', () => [21701, 21702].every((port) => destroys.some((d) => d.port === port)), 15_000);
    await new Promise((r) => setTimeout(r, 600)); // one more window
    sub.unsubscribe();

    const totals = new Map<number, number>();
    for (const t of results) for (const r of t.rows) if (r.key.netns === nsA && r.key.dstAddr === p.v4.b) totals.set(r.key.dstPort as number, (totals.get(r.key.dstPort as number) ?? 0) + r.bytes);
    const ranked = [...totals].sort((x, y) => y[1] - x[1]);
    expect(ranked[0]![0]).toBe(21701);
    expect(totals.get(21701)).toBe(destroys.find((d) => d.port === 21701)!.bytes);
    expect(totals.get(21702)).toBe(destroys.find((d) => d.port === 21702)!.bytes);
    expect(totals.get(21701)!).toBeGreaterThan(600_000);
  });
});

const cgSkip = !canRunLive ? skip : !cgroupV2Root() ? ' (skipped: no cgroup v2 hierarchy mounted)' : '';
describe.skipIf(cgSkip !== '')(`Enricher live${cgSkip}`, () => {
  it('a process in a cgroup of the test\'s own gives its cgroup path (exec event, /proc scan)', async () => {
    const name = `kw17-${randomUUID().slice(0, 8)}`;
    const dir = join(cgroupV2Root()!, name);
    mkdirSync(dir);
    const tag = `kw17-${randomUUID()}`;
    const seen: ExecEvent[] = [];
    const enricher = new Enricher();
    const sub = execEvents().pipe(filter((e) => e.argv.at(-1) === tag), enrich(enricher)).subscribe((e) => seen.push(e));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const child = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec /usr/bin/python3 -c 'import time; time.sleep(5)' ${tag}`], { stdio: 'ignore' });
      const exited = once(child, 'exit');
      await waitFor('the exec', () => seen.length > 0);
      const e = seen[0] as ExecEvent & { cgroupPath?: string };
      expect(e.cgroupId).toBe(statSync(dir, { bigint: true }).ino);
      expect(e.cgroupPath).toBe(`/${name}`);
      expect(enricher.cgroup(e.cgroupId)?.path).toBe(`/${name}`);
      expect(enricher.stats().cgroup.hits).toBeGreaterThan(0);
      // the scan reads the same id from /proc/PID/cgroup while the process lives
      expect(scanProcesses().find((p) => p.pid === child.pid)).toMatchObject({ cgroupId: e.cgroupId, argv: ['/usr/bin/python3', '-c', 'import time; time.sleep(5)', tag] });
      child.kill();
      await exited;
    } finally {
      sub.unsubscribe();
      await waitFor('the cgroup to empty', () => {
        try {
          rmdirSync(dir);
          return true;
        } catch {
          return false;
        }
      });
    }
  });
});
