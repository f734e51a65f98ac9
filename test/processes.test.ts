// processes() and trackProcesses(): the exec/exit join by pid and start time, pid reuse, forks that
// never exec, exits that arrive before their exec, the process tree, and the table's bounds (marble
// tests on virtual time; property tests that lost exits never grow the state without bound).
import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import fc from 'fast-check';
import { ProcessTable, trackProcesses, type ProcessChange, type ProcessInput } from 'kwire';
import { MS, exec, exit } from './helpers/process-events.js';

const scheduler = () => new TestScheduler((a, b) => { if (process.env.SHOW) console.log(JSON.stringify(a)); expect(a).toEqual(b); });
const brief = (c: ProcessChange) => `${c.change}:${c.process.pid}:${c.process.argv.join(' ')}${c.process.end !== undefined ? `:${c.process.exitCode}/${c.process.signal}:${c.process.duration}` : ''}`;
const run = (events: ProcessInput[], table = new ProcessTable()) => lastValueFrom(from(events).pipe(trackProcesses({ table, reorderWindow: 0 }), map(brief), toArray()));

describe('trackProcesses: the join', () => {
  it('joins exec and exit by pid and start time: argv, duration, exit code or signal', async () => {
    expect(await run([exec(10, 100n * MS, ['sh', '-c', 'exit 3']), exit(10, 99n * MS, 130n * MS, 3), exec(11, 200n * MS, ['sleep', '9']), exit(11, 199n * MS, 300n * MS, 0, 15)]))
      .toEqual(['exec:10:sh -c exit 3', `exit:10:sh -c exit 3:3/0:${31n * MS}`, 'exec:11:sleep 9', `exit:11:sleep 9:0/15:${101n * MS}`]);
  });

  it('a reused pid: an exit whose start is after the exec belongs to a new process; the stale entry is evicted and counted', async () => {
    const table = new ProcessTable();
    expect(await run([exec(10, 100n * MS, ['old']), exit(10, 500n * MS, 600n * MS, 1)], table)).toEqual(['exec:10:old', 'evicted:10:old', `exit:10::1/0:${100n * MS}`]);
    expect(table.stats()).toMatchObject({ pidReused: 1, exitsWithoutStart: 1, running: 0 });
  });

  it('a fork that never execs is a process of its own, from its exit', async () => {
    const table = new ProcessTable();
    expect(await run([exit(12, 10n * MS, 20n * MS, 0, 0, 5, 'worker')], table)).toEqual([`exit:12::0/0:${10n * MS}`]);
    expect(table.get(12)).toMatchObject({ origin: 'exit', comm: 'worker', ppid: 5, start: 10n * MS, startExact: true, execs: 0 });
  });

  it('a process that execs twice keeps one record, with the last argv', async () => {
    expect(await run([exec(10, 100n * MS, ['env', 'X=1', 'true']), exec(10, 101n * MS, ['true']), exit(10, 99n * MS, 102n * MS)])).toEqual(['exec:10:env X=1 true', 'exec:10:true', `exit:10:true:0/0:${3n * MS}`]);
  });

  it('proc connector events: fork (threads ignored), exec, exit; the child starts with its parent\'s argv', async () => {
    const table = new ProcessTable();
    const out = await run([
      exec(1, 1n * MS, ['init']),
      { type: 'proc-fork', ts: 5n * MS, pid: 20, tgid: 20, ppid: 1, ptgid: 1 },
      { type: 'proc-fork', ts: 6n * MS, pid: 21, tgid: 20, ppid: 1, ptgid: 1 },
      { type: 'proc-exit', ts: 9n * MS, pid: 20, tgid: 20, exitCode: 2, signal: 0 },
    ], table);
    expect(out).toEqual(['exec:1:init', 'fork:20:init', `exit:20:init:2/0:${4n * MS}`]);
    expect(table.stats()).toMatchObject({ forks: 1 });
  });

  it('ancestors: the parent chain as far as known, each alive when its child started', async () => {
    const table = new ProcessTable();
    await run([exec(1, 1n * MS, ['init'], 0), exec(50, 10n * MS, ['bash'], 1), exec(60, 20n * MS, ['make'], 50), exec(70, 30n * MS, ['cc'], 60), exit(50, 9n * MS, 40n * MS)], table);
    expect(table.ancestors(70).map((p) => p.comm)).toEqual(['make', 'bash', 'init']);
    expect(table.ancestors(1)).toEqual([]);
    expect(table.get(50)?.end).toBe(40n * MS);
  });
});

describe('trackProcesses: order and time (marbles)', () => {
  it('an exit that arrives before its exec waits reorderWindow for it, then joins', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold<ProcessInput>('a 99ms b 900ms |', { a: exit(10, 5n * MS, 9n * MS, 1), b: exec(10, 6n * MS, ['late']) });
      expectObservable(input.pipe(trackProcesses({ reorderWindow: 500 }), map(brief))).toBe('100ms (xy) 897ms |', { x: `exec:10:late:1/0:${4n * MS}`, y: `exit:10:late:1/0:${4n * MS}` });
    });
  });

  it('an exit whose exec never comes is emitted after the window, as a fork that never exec\'d', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold<ProcessInput>('a 2000ms |', { a: exit(10, 5n * MS, 9n * MS, 1) });
      expectObservable(input.pipe(trackProcesses({ reorderWindow: 500 }), map(brief))).toBe('500ms x 1500ms |', { x: `exit:10::1/0:${4n * MS}` });
    });
  });

  it('the running table is bounded: the least recently active process is evicted, counted', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const table = new ProcessTable({ maxProcesses: 2 });
      const input = cold<ProcessInput>('abc 9ms |', { a: exec(1, 1n, ['a']), b: exec(2, 2n, ['b']), c: exec(3, 3n, ['c']) });
      expectObservable(input.pipe(trackProcesses({ table, reorderWindow: 0 }), map(brief))).toBe('ab(dc) 6ms |', { a: 'exec:1:a', b: 'exec:2:b', c: 'exec:3:c', d: 'evicted:1:a' });
    });
  });

  it('a scan adds the running processes first, marked preexisting', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const scan = () => [{ pid: 1, ppid: 0, comm: 'init', filename: '/sbin/init', argv: ['init'], cgroupId: 1n, start: 0n, startExact: true, execs: 0, origin: 'scan' as const, preexisting: true }];
      const input = cold<ProcessInput>('-a|', { a: exit(1, 5n * MS, 9n * MS, 0, 0, 0, 'init') });
      expectObservable(input.pipe(trackProcesses({ scan, reorderWindow: 0 }), map((c) => `${c.change}:${c.process.pid}:${c.process.preexisting}`))).toBe('ab|', { a: 'scan:1:true', b: 'exit:1:true' });
    });
  });
});

describe('trackProcesses: bounds (property)', () => {
  it('with exits lost at random, running, ended and pending stay within their bounds, and every process is accounted for', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ pid: fc.integer({ min: 1, max: 40 }), lose: fc.boolean(), late: fc.boolean(), life: fc.integer({ min: 1, max: 50 }) }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }),
        async (procs, maxProcesses, maxEnded, maxPending) => {
          const table = new ProcessTable({ maxProcesses, maxEnded, maxPending });
          const events: ProcessInput[] = [];
          let t = 1n;
          for (const p of procs) {
            t += 1000n;
            const start = t;
            const e = exec(p.pid, start + 1n, [`p${p.pid}`]);
            const x = exit(p.pid, start, start + BigInt(p.life));
            if (p.lose) events.push(e);
            else if (p.late) events.push(x, e);
            else events.push(e, x);
            t += BigInt(p.life) + 1n;
          }
          const changes = await lastValueFrom(from(events).pipe(trackProcesses({ table, reorderWindow: 0 }), toArray()), { defaultValue: [] });
          const s = table.stats();
          expect(s.running).toBeLessThanOrEqual(maxProcesses);
          expect(s.ended).toBeLessThanOrEqual(maxEnded);
          expect(s.pendingExits).toBe(0); // flushed at the end
          // every exit is emitted once; every process without its exit is still running or was evicted
          const exits = changes.filter((c) => c.change === 'exit').length;
          expect(exits).toBe(procs.filter((p) => !p.lose).length);
          const evicted = changes.filter((c) => c.change === 'evicted').length;
          expect(evicted).toBe(s.evicted + s.pidReused);
          expect(s.running).toBeLessThanOrEqual(procs.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('scanProcesses: a /proc of random files (property)', () => {
  it('reads what it can and skips the rest: never throws, pids only from numeric names', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { scanProcesses } = await import('kwire');
    const text = fc.oneof(fc.string(), fc.constant('12 (a) b) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20'), fc.constant('1 (sh) S'), fc.constant('1 (x) S -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 zz'), fc.constant(''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ name: fc.oneof(fc.integer({ min: 1, max: 99999 }).map(String), fc.constant('self'), fc.string({ minLength: 1, maxLength: 5 }).filter((s) => !s.includes('/') && s !== '.' && s !== '..')), stat: fc.option(text), cmdline: fc.option(fc.string()), cgroup: fc.option(fc.string()) }), { maxLength: 8 }), async (entries) => {
        const root = mkdtempSync(join(tmpdir(), 'kw17-proc-'));
        try {
          for (const e of entries) {
            const dir = join(root, e.name);
            mkdirSync(dir, { recursive: true });
            if (e.stat !== null) writeFileSync(join(dir, 'stat'), e.stat);
            if (e.cmdline !== null) writeFileSync(join(dir, 'cmdline'), e.cmdline);
            if (e.cgroup !== null) writeFileSync(join(dir, 'cgroup'), e.cgroup);
          }
          const found = scanProcesses(root);
          for (const p of found) {
            expect(String(p.pid)).toMatch(/^\d+$/);
            expect(p.origin).toBe('scan');
            expect(typeof p.comm).toBe('string');
          }
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 100 },
    );
  });
});
