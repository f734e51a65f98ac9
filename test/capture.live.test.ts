// Live: record a real workload, replay it, compare with what a live subscriber saw; the CLI pair;
// and the main job's fallback to the bundled capture when tracing is not allowed.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { execEvents, liveRawSources, memorySink, record, replay, type ExecEvent } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

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

  it('kwire record then kwire replay --json print the same execs as kwire exec --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kwcap-'));
    try {
      const file = join(dir, 'w.kwcap');
      const tag = `kwcli-${randomUUID()}`;
      // Execs every 10 ms for longer than both commands run: each attaches when it can (a busy machine
      // delays them differently), so they are compared on the execs both saw.
      const workload = `for i in $(seq 1 500); do /bin/true ${tag} $i; sleep 0.01; done`;
      const [rec, live] = await Promise.all([kwire('record', '-o', file, '--duration', '3', '--stats'), kwire('exec', '--json', '--duration', '3'), run('sh', ['-c', workload])]);
      expect(rec.code, rec.stderr).toBe(0);
      expect(rec.stderr).toMatch(/^record: exec → .*: chunks=\d+ records=\d+ bytes=\d+ lost\.kernel=0 lost\.ring=0$/m);
      const replayed = await kwire('replay', file, '--json', '--stats');
      expect(replayed.code, replayed.stderr).toBe(0);
      const pick = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.argv?.[1] === tag).map(({ ts: _ts, ...e }) => e);
      const fromReplay = pick(replayed.stdout);
      const fromLive = pick(live.stdout);
      const seq = (events: { argv: string[] }[]) => events.map((e) => Number(e.argv[2]));
      const consecutive = (ns: number[]) => ns.every((n, k) => n === ns[0]! + k);
      expect(consecutive(seq(fromReplay)) && consecutive(seq(fromLive))).toBe(true);
      const both = new Set(seq(fromLive));
      const common = fromReplay.filter((e) => both.has(Number(e.argv[2])));
      expect(common.length).toBeGreaterThan(0);
      expect(common).toEqual(fromLive.filter((e) => common.some((c) => c.argv[2] === e.argv[2])));
      expect(replayed.stderr).toMatch(/^replay: .*recorded on .*: chunks=\d+ records=\d+ .* issues=0$/m);
      const table = await kwire('replay', file);
      expect(table.stdout).toMatch(new RegExp(`^TIME +PCOMM.*\\n(.*\\n)*\\d\\d:\\d\\d:\\d\\d true .*/bin/true ${tag} ${fromReplay[0]!.argv[2]}`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the bundled capture and the main job', () => {
  const fixture = repoPath('fixtures/capture/host.kwcap');

  it('the fixture is a small capture of real exec events that replays without issues', async () => {
    expect(existsSync(fixture)).toBe(true);
    expect(statSync(fixture).size).toBeLessThan(1 << 20);
    const r = replay(fixture);
    const events = await lastValueFrom(r.events<ExecEvent>().pipe(toArray()));
    expect(r.stats().issues).toEqual([]);
    expect(events.length).toBeGreaterThan(10);
    expect(events.some((e) => e.filename === '/bin/true' && e.argv.includes('kwire-fixture'))).toBe(true);
  });

  it.skipIf(!existsSync('/usr/bin/setpriv'))('without capabilities, the main job replays the bundled capture and says why', async () => {
    const result = await run('setpriv', ['--inh-caps=-all', '--bounding-set=-all', repoPath('scripts/main-job.sh')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/live tracing is not allowed here: .*CAP_BPF/);
    expect(result.stdout + result.stderr).toMatch(/replaying the bundled capture fixtures\/capture\/host\.kwcap/);
    expect(result.stdout).toMatch(/kwire-fixture/);
  });
});
