// Live: record a real workload, replay it, compare with what a live subscriber saw; the CLI pair;
// and the main job's fallback to the bundled capture when tracing is not allowed.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { EventDecoder, execEvents, exitEvents, flowEvents, liveRawSources, memorySink, record, replay, type ExecEvent, type ExitEvent, type FlowEvent } from 'kwire';
import { createNetnsPair } from './helpers/netns.js';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';
import { validateJsonLines } from './helpers/json-schema.js';

const kwire = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args]);
const withoutTs = ({ ts: _ts, ...rest }: ExecEvent) => rest;

describe.skipIf(!canRunLive)(`record and replay, live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('replays exactly the events a live subscriber saw, in the same order', async () => {
    const tag = `kwcap-${randomUUID()}`;
    const fdsBefore = openFdCount();
    const live: ExecEvent[] = [];
    const liveSub = execEvents().subscribe((e) => e.argv[1] === tag && live.push(e));
    const sink = memorySink();
    let chunks = 0;
    const recording = record(liveRawSources(['exec']), sink).subscribe((p) => (chunks = p.chunks));
    const workload = await run('sh', ['-c', `for i in $(seq 1 40); do /bin/true ${tag} $i "a b" ''; done`]);
    expect(workload.code).toBe(0);
    await waitFor('the 40 execs live', () => live.length >= 40);
    await waitFor('a recorded chunk', () => chunks > 0);
    await new Promise((r) => setTimeout(r, 300)); // the recorder's last chunk is written by now
    recording.unsubscribe();
    liveSub.unsubscribe();
    expect(openFdCount()).toBe(fdsBefore);

    const replayed = (await lastValueFrom(replay(sink.bytes()).events<ExecEvent>('exec').pipe(toArray()))).filter((e) => e.argv[1] === tag);
    expect(replayed.map(withoutTs)).toEqual(live.map(withoutTs));
    expect(replayed.map((e) => e.argv[2])).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1)));
    // Two attachments of one program stamp their own kernel times: same order, all real.
    for (let i = 1; i < replayed.length; i++) expect(replayed[i]!.ts).toBeGreaterThan(replayed[i - 1]!.ts);
  });

  it('replays exit and flow events as live subscribers saw them: same values, exits in the same order (flows from two probes: the same records)', async () => {
    const pair = createNetnsPair();
    const fdsBefore = openFdCount();
    try {
      const nsA = pair.inode(pair.a);
      const nsB = pair.inode(pair.b);
      const exits: ExitEvent[] = [];
      const flowsSeen: FlowEvent[] = [];
      const exitSub = exitEvents().subscribe((e) => exits.push(e));
      const flowSub = flowEvents().subscribe((e) => (e.netns === nsA || e.netns === nsB) && flowsSeen.push(e));
      const sink = memorySink();
      const recording = record(liveRawSources(['exec', 'exit', 'flow']), sink).subscribe();
      // Exits with codes and a signal, children of one shell whose pid it prints last.
      const workload = await run('sh', ['-c', `for i in $(seq 1 8); do sh -c "exit $i"; done; sh -c 'kill -TERM $$'; echo $$`]);
      const parent = Number(workload.stdout.trim());
      // One TCP connection between the two namespaces: an update on its first packet, a destroy on close.
      const server = pair.start(pair.b, 'python3', [repoPath('test/helpers/traffic.py'), 'tcp-server', '5701', '30000']);
      await once(server.stdout!, 'data');
      pair.run(pair.a, 'python3', [repoPath('test/helpers/traffic.py'), 'tcp-client', pair.v4.b, '5701', '20000']);
      await once(server, 'exit');
      const mine = (e: ExitEvent) => e.ppid === parent && e.comm === 'sh';
      await waitFor('the 9 exits live', () => exits.filter(mine).length >= 9);
      await waitFor('both ends destroyed live', () => flowsSeen.filter((e) => e.kind === 'destroy' && e.dstPort === 5701).length >= 2);
      await new Promise((r) => setTimeout(r, 500)); // the recorder's last chunks are written by now
      recording.unsubscribe();
      exitSub.unsubscribe();
      flowSub.unsubscribe();
      expect(openFdCount()).toBe(fdsBefore);

      const r = replay(sink.bytes());
      const all = await lastValueFrom(r.pipe(toArray()));
      expect(r.stats().issues).toEqual([]);
      const events = <E>(source: string) => all.filter((b) => b.source === source).flatMap((b) => [...(b.batch as Iterable<E>)]);
      // Two attachments of one program stamp their own exit times; every other field is the kernel's.
      const exitFields = ({ exitTime: _t, ...rest }: ExitEvent) => rest;
      expect(events<ExitEvent>('exit').filter(mine).map(exitFields)).toEqual(exits.filter(mine).map(exitFields));
      expect(exits.filter(mine).map((e) => [e.exitCode, e.signal])).toEqual([...Array.from({ length: 8 }, (_, i) => [i + 1, 0]), [0, 15]]);
      // Two probes: their own flow cookies (so flowIds), start and event times; the same packets.
      const flowFields = (e: FlowEvent) => [e.kind, e.netns, e.proto, e.srcAddr, e.srcPort, e.dstAddr, e.dstPort, e.packetsOrig, e.bytesOrig, e.packetsRet, e.bytesRet];
      const tcp = (e: FlowEvent) => e.proto === 6 && e.dstPort === 5701;
      const replayedFlows = events<FlowEvent>('flow').filter((e) => (e.netns === nsA || e.netns === nsB) && tcp(e));
      // Each probe's own sweeper writes a TCP destroy 20 ms after the last close (issue 15), so the two
      // destroys (one per namespace) may come in either order between the two probes: same records,
      // compared in one order.
      const inOrder = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
      expect(inOrder(replayedFlows.map(flowFields))).toEqual(inOrder(flowsSeen.filter(tcp).map(flowFields)));
      expect(replayedFlows.filter((e) => e.kind === 'destroy').map((e) => e.netns).sort()).toEqual([nsA, nsB].sort());
    } finally {
      pair.cleanup();
    }
  });

  it('kwire record --sources exec,exit,flow then kwire replay print what kwire exec and kwire exit print, in every format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kwcap-'));
    try {
      const file = join(dir, 'w.kwcap');
      const tag = `kwcli-${randomUUID()}`;
      const port = 40000 + Math.floor(Math.random() * 10000);
      // A workload that outlasts the three commands: each attaches when it can (a busy machine delays
      // them differently), so they are compared on what both saw. Each round execs, exits with its own
      // code, and every 20th makes a TCP connection to a closed loopback port (refused: one flow).
      const workload = `for i in $(seq 1 300); do /bin/true ${tag} $i; sh -c "exit $((i % 200 + 1))"; [ $((i % 20)) -eq 0 ] && curl -s -m 1 http://127.0.0.1:${port}/; sleep 0.01; done; echo $$`;
      const [rec, liveExec, liveExit, work] = await Promise.all([
        kwire('record', '-o', file, '--sources', 'exec,exit,flow', '--duration', '3', '--stats'),
        kwire('exec', '--json', '--duration', '3'),
        kwire('exit', '--json', '--duration', '3'),
        run('sh', ['-c', workload]),
      ]);
      expect(rec.code, rec.stderr).toBe(0);
      expect(rec.stderr).toMatch(/^record: exec,exit,flow → .*: chunks=\d+ records=\d+ bytes=\d+ lost\.kernel=0 lost\.ring=0$/m);
      const parent = Number(work.stdout.trim().split('\n').at(-1));
      const replayed = await kwire('replay', file, '--json', '--stats');
      expect(replayed.code, replayed.stderr).toBe(0);
      expect(replayed.stderr).toMatch(/^replay: .*recorded on .*: chunks=\d+ records=\d+ .* issues=0 late=\d+$/m); // late: records whose time is long before their delivery (a flow's idle destroy)
      const lines = (out: string) => validateJsonLines(out);
      // ts differs by nothing, time by how the two processes read the boot instant (checked below)
      const execs = (out: string) => lines(out).filter((e) => (e.argv as string[] | undefined)?.[1] === tag).map(({ ts: _ts, time: _time, ...e }) => e as { argv: string[] });
      const exits = (out: string) => lines(out).filter((e) => e.type === 'exit' && e.ppid === parent).map(({ exitTime: _t, ts: _ts, time: _time, ...e }) => e as { pid: number; comm: string; exitCode: number });
      const times = (out: string) => new Map(lines(out).filter((e) => (e.argv as string[] | undefined)?.[1] === tag).map((e) => [(e.argv as string[])[2], Date.parse(e.time as string)]));
      const liveTimes = times(liveExec.stdout);
      const skew = [...times(replayed.stdout)].filter(([n]) => liveTimes.has(n)).map(([n, t]) => Math.abs(t - liveTimes.get(n)!));
      expect(skew.length).toBeGreaterThan(10);
      expect(Math.max(...skew)).toBeLessThanOrEqual(2); // ms
      // On what both saw: the same events, each once, in the same order.
      const common = <E,>(a: E[], b: E[], key: (e: E) => unknown) => {
        const inB = new Set(b.map(key));
        const inA = new Set(a.map(key));
        return [a.filter((e) => inB.has(key(e))), b.filter((e) => inA.has(key(e)))] as const;
      };
      const recordedExecs = execs(replayed.stdout);
      const [execA, execB] = common(recordedExecs, execs(liveExec.stdout), (e) => e.argv[2]);
      expect(execA.length).toBeGreaterThan(10);
      expect(execA).toEqual(execB);
      expect(recordedExecs.map((e) => Number(e.argv[2]))).toEqual(recordedExecs.map((_, k) => Number(recordedExecs[0]!.argv[2]) + k));
      const [exitA, exitB] = common(exits(replayed.stdout), exits(liveExit.stdout), (e) => e.pid);
      expect(exitA.length).toBeGreaterThan(10);
      expect(exitA).toEqual(exitB);
      const codes = exitA.filter((e) => e.comm === 'sh').map((e) => e.exitCode);
      expect(codes.length).toBeGreaterThan(5);
      expect(codes.every((c, k) => k === 0 || c === (codes[k - 1]! % 200) + 1)).toBe(true);
      const flows = lines(replayed.stdout).filter((e) => e.type === 'flow' && e.dstPort === port);
      expect(flows.map((e) => e.kind)).toContain('update');
      expect(Object.keys(flows[0]!)).toEqual(['type', 'start', 'ts', 'time', 'flowId', 'connmark', 'srcAddr', 'dstAddr', 'srcPort', 'dstPort', 'proto', 'netns', 'packetsOrig', 'bytesOrig', 'packetsRet', 'bytesRet', 'kind']);

      const msgpack = spawnSync(process.execPath, [repoPath('packages/cli/bin/kwire.js'), 'replay', file, '--msgpack'], { maxBuffer: 1 << 28 }); // a busy machine's capture is large
      expect(msgpack.status, String(msgpack.stderr)).toBe(0);
      const asJson = (e: object) => JSON.parse(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      expect([...new EventDecoder().decodeAll(msgpack.stdout)].map(asJson)).toEqual(lines(replayed.stdout));
      const table = await kwire('replay', file);
      expect(table.stdout).toMatch(new RegExp(`^exec +TIME +PCOMM.*\\n(.*\\n)*exec +\\d\\d:\\d\\d:\\d\\d true .*/bin/true ${tag} ${recordedExecs[0]!.argv[2]}`, 'm'));
      expect(table.stdout).toMatch(/^exit +TIME +PCOMM +PID +PPID +TID +AGE\(s\) +EXIT$/m); // several sources: rows tagged
      expect(table.stdout).toMatch(new RegExp(`^flow +KIND +PROTO +SRC +DST .*\\n(.*\\n)*flow +update +tcp +127\\.0\\.0\\.1:\\d+ +127\\.0\\.0\\.1:${port} `, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the bundled capture and the main job', () => {
  const fixture = repoPath('fixtures/capture/host.kwcap');

  it('the fixture is a small capture of real exec, exit and flow events that replays without issues', async () => {
    expect(existsSync(fixture)).toBe(true);
    expect(statSync(fixture).size).toBeLessThan(1 << 20);
    const r = replay(fixture);
    const events = await lastValueFrom(r.events<ExecEvent | ExitEvent | FlowEvent>().pipe(toArray()));
    expect(r.stats().issues).toEqual([]);
    expect(r.stats().headers[0]!.sources.map((s) => s.name)).toEqual(['exec', 'exit', 'flow']);
    const execs = events.filter((e): e is ExecEvent => e.type === 'exec');
    const exits = events.filter((e): e is ExitEvent => e.type === 'exit');
    const flows = events.filter((e): e is FlowEvent => e.type === 'flow');
    expect(execs.length).toBeGreaterThan(10);
    expect(execs.some((e) => e.filename === '/bin/true' && e.argv.includes('kwire-fixture'))).toBe(true);
    expect(exits.some((e) => e.comm === 'sh' && e.exitCode === 3)).toBe(true);
    expect(exits.some((e) => e.signal === 15)).toBe(true);
    expect(flows.some((e) => e.kind === 'destroy' && e.proto === 6 && e.dstPort === 7001 && e.bytesRet > 20_000)).toBe(true);
    expect(new Set(flows.map((e) => e.proto))).toEqual(new Set([1, 6, 17]));
  });

  it.skipIf(!existsSync('/usr/bin/setpriv'))('without capabilities, the main job replays the bundled capture and says why', async () => {
    const result = await run('setpriv', ['--inh-caps=-all', '--bounding-set=-all', repoPath('scripts/main-job.sh')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/live tracing is not allowed here: .*CAP_BPF/);
    expect(result.stdout + result.stderr).toMatch(/replaying the bundled capture fixtures\/capture\/host\.kwcap/);
    expect(result.stdout).toMatch(/kwire-fixture/);
    expect(result.stdout).toMatch(/^exit +TIME +PCOMM +PID +PPID +TID +AGE\(s\) +EXIT$/m); // exits replayed too
    expect(result.stdout).toMatch(/^main job: did a REPLAY of fixtures\/capture\/host\.kwcap .*because live tracing was refused: .*CAP_BPF/m);
  });

  it.skipIf(!existsSync('/usr/bin/setpriv') || !canRunLive)('without BPF but with CAP_NET_ADMIN, the main job traces live with the proc connector and says so', async () => {
    const drop = '-bpf,-perfmon,-sys_admin';
    const result = await run('setpriv', [`--inh-caps=${drop}`, `--bounding-set=${drop}`, repoPath('scripts/main-job.sh')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/live tracing is not allowed here: .*CAP_BPF/);
    expect(result.stdout).toMatch(/^TIME +EVENT +PID +PPID +COMM +EXIT\/SIGNAL\/ARGS$/m);
    // the workload's execs (their comm and args when /proc still had them as the events arrived)
    expect(result.stdout).toMatch(/^\S+ +exec +\d+ /m);
    expect(result.stdout).toMatch(/^\S+ +exit +\d+ +\d+ .*code 0$/m);
    expect(result.stdout).toMatch(/^main job: did LIVE tracing with the netlink proc connector, without BPF \(exit status 0\), because BPF was refused: .*CAP_BPF/m);
    expect(result.stdout).not.toMatch(/REPLAY/);
  });

  it.skipIf(!canRunLive)(`with privileges, the main job traces live and says so${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, async () => {
    const result = await run(repoPath('scripts/main-job.sh'), []);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^main job: did LIVE tracing \(exit status 0\)/m);
    expect(result.stdout).not.toMatch(/REPLAY/);
  });
});
