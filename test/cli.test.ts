// The kwire command line: help, usage errors, and (live) JSON output of real execs.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const kwire = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args]);

describe('kwire CLI', () => {
  it('lists its commands', async () => {
    const result = await kwire('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+exec\s+live exec events/m);
  });

  it('teaches each option of exec', async () => {
    const result = await kwire('exec', '--help');
    expect(result.code).toBe(0);
    for (const option of ['--json', '--duration', '--pidns', '--stats']) expect(result.stdout).toContain(option);
  });

  it.each([
    [['exec', '--duration', 'soon'], /--duration wants a positive number/],
    [['exec', '--pidns', 'abc'], /--pidns wants a pid namespace inode/],
    [['exec', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['nope'], /unknown command 'nope'/],
  ])('refuses %j with exit status 2', async (args, message) => {
    const result = await kwire(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe.skipIf(!canRunLive)(`kwire exec live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('prints JSON lines of real execs and its stats', async () => {
    const tag = `kwcli-${randomUUID()}`;
    // Execs every 10 ms for longer than kwire runs: however long attaching takes on a loaded machine,
    // kwire sees a run of consecutive ones, each exactly once.
    const workload = `for i in $(seq 1 400); do /bin/true ${tag} $i ''; sleep 0.01; done`;
    const [result] = await Promise.all([kwire('exec', '--json', '--duration', '2.5', '--stats'), run('sh', ['-c', workload])]);
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.argv?.[1] === tag);
    expect(events.length).toBeGreaterThan(0);
    const first = Number(events[0].argv[2]);
    expect(events.map((e) => e.argv)).toEqual(events.map((_, k) => ['/bin/true', tag, String(first + k), '']));
    expect(Object.keys(events[0]).sort()).toEqual(['argv', 'cgroupId', 'comm', 'filename', 'gid', 'pid', 'pidns', 'ppid', 'truncated', 'ts', 'type', 'uid']);
    expect(typeof events[0].ts).toBe('string');
    expect(result.stderr).toMatch(/^exec: received=\d+ batches=\d+ lost\.kernel=0 lost\.ring=0 decodeErrors=0/m);
  });
});
