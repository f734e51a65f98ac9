// The kwire command line: help, usage errors, and (live) JSON output of real execs.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';
import { validateJsonLines } from './helpers/json-schema.js';

const kwire = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args]);

const commands = ['exec', 'exit', 'proc', 'flows', 'record', 'replay', 'gen', 'bench', 'top'];
const common = ['--json', '--msgpack', '--duration', '--stats', '--output', '--rotate', '--time-format', '  -t  '];
const filters = ['--pid', '--ppid', '--uid', '--comm', '--cgroup', '--failed'];

describe('kwire CLI', () => {
  it('lists every command with a one-line summary', async () => {
    const result = await kwire('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+exec\s+live exec events/m);
    for (const c of commands) expect(result.stdout).toMatch(new RegExp(`^  ${c} +\\S.*$`, 'm'));
  });

  it('without a command prints the list and exits 2', async () => {
    const result = await kwire();
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/Commands:/);
  });

  it.each([
    ['exec', ['--transport', '--pidns', ...common, ...filters], []],
    ['exit', ['--threads', '--transport', '--pidns', ...common, ...filters], []],
    ['proc', ['--events', '--threads', '--scan', '--rcvbuf', '--names', '--pidns', ...common], ['--transport', '--addresses']],
    ['flows', ['--mode', '--curve', '--cgroup', '--tc', '--idle-timeout', '--netns', ...common], ['--transport', '--pidns']],
    ['record', ['--output', '--sources', '--append', '--duration', '--pidns', '--transport', '--cgroup', '--stats'], []],
    ['replay', ['--speed', '--sources', '--progress', '--addresses', '--pidns', ...common], []],
    ['gen', ['--btf', '--type', '--name', '--out', '--as', '--tail-size', '--source-id', '--no-wasm'], []],
    ['bench', ['--quick', '--reps', '--only'], []],
    ['top', ['--replay', '--speed', '--interval', '--duration'], ['--json']],
  ])('kwire %s --help teaches its options', async (command, options, absent) => {
    const result = await kwire(command, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^(kwire ${command} — |Usage: kwire ${command})`));
    for (const option of options) expect(result.stdout).toContain(option);
    for (const option of absent) expect(result.stdout).not.toContain(option);
  });

  it.each(commands)('kwire %s refuses an unknown option with exit status 2', async (command) => {
    const result = await kwire(command, '--frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`kwire ${command}: Unknown option '--frobnicate' (see: kwire ${command} --help)\n`);
  });

  it.each([
    [['exec', '--duration', 'soon'], /--duration wants a positive number/],
    [['exec', '--pidns', 'abc'], /--pidns wants a pid namespace inode/],
    [['exec', '--transport', 'pigeon'], /--transport wants 'auto', 'ringbuf' or 'perf'/],
    [['exit', '--transport', 'pigeon'], /--transport wants 'auto', 'ringbuf' or 'perf'/],
    [['exec', '--json', '--msgpack'], /choose one/],
    [['flows', '--transport', 'perf'], /Unknown option '--transport'/],
    [['flows', '--pidns', '4026531836'], /flows are not per process/],
    [['record', '-o', '/dev/null', '--transport', 'pigeon'], /--transport wants/],
    [['bench', '--reps', '0'], /--reps wants a positive integer/],
    [['nope'], /unknown command 'nope'/],
  ])('refuses %j with exit status 2', async (args, message) => {
    const result = await kwire(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe.skipIf(!canRunLive || !existsSync('/usr/bin/setpriv'))(`kwire without privileges${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  const unprivileged = (bounding: string, ...args: string[]) =>
    run('setpriv', ['--inh-caps=-all', `--bounding-set=${bounding}`, process.execPath, repoPath('packages/cli/bin/kwire.js'), ...args]);

  it.each([
    [['exec'], ['CAP_BPF', 'CAP_PERFMON']],
    [['exit'], ['CAP_BPF', 'CAP_PERFMON']],
    [['flows'], ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN']],
    [['record', '-o', '/dev/null'], ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN']],
    [['proc'], ['CAP_NET_ADMIN']],
  ])('kwire %j exits 77 naming %j', async (args, missing) => {
    const result = await unprivileged('-all', ...args, '--duration', '1');
    expect(result.code, result.stderr).toBe(77);
    expect(result.stderr).toMatch(new RegExp(`needs ${missing.join(' and ')} \\(or CAP_SYS_ADMIN\\).*\\[EPERM_CAPABILITY\\]`));
  });

  it('kwire proc needs no BPF: without the tracing capabilities it runs; without CAP_NET_ADMIN it names just that', async () => {
    const ok = await unprivileged('-bpf,-perfmon,-sys_admin', 'proc', '--duration', '1', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await unprivileged('-net_admin,-sys_admin', 'proc', '--duration', '1');
    expect(refused.code, refused.stderr).toBe(77);
    expect(refused.stderr).toMatch(/^kwire proc: listening to the proc connector needs CAP_NET_ADMIN \(or CAP_SYS_ADMIN\), no BPF/);
  });

  it('kwire flows with the tracing capabilities but not CAP_NET_ADMIN names just that', async () => {
    const result = await unprivileged('-net_admin,-sys_admin', 'flows', '--duration', '1');
    expect(result.code, result.stderr).toBe(77);
    expect(result.stderr).toMatch(/counting flows needs CAP_NET_ADMIN \(or CAP_SYS_ADMIN\)/);
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
    const events = validateJsonLines(result.stdout).filter((e) => e.argv?.[1] === tag);
    expect(events.length).toBeGreaterThan(0);
    const first = Number(events[0].argv[2]);
    expect(events.map((e) => e.argv)).toEqual(events.map((_, k) => ['/bin/true', tag, String(first + k), '']));
    expect(Object.keys(events[0]).sort()).toEqual(['argv', 'cgroupId', 'comm', 'filename', 'gid', 'pid', 'pidns', 'ppid', 'ret', 'time', 'truncated', 'ts', 'type', 'uid']);
    // issue 15, defect 8: 64-bit values as decimal strings, a wall-clock time to the microsecond beside ts
    expect(events[0]).toMatchObject({ ts: expect.stringMatching(/^\d+$/), cgroupId: expect.stringMatching(/^\d+$/), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) });
    expect(Math.abs(Date.parse(events[0].time) - Date.now())).toBeLessThan(60_000);
    expect(typeof events[0].ts).toBe('string');
    expect(result.stderr).toMatch(/^exec: received=\d+ batches=\d+ lost\.kernel=0 lost\.ring=0 lost\.undelivered=\d+ decodeErrors=0/m);
  });
});

describe.skipIf(!canRunLive)(`namespace inodes no namespace has${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  // issue 15, defect 10: accepted (a namespace may appear later), with one warning
  it.each([
    [['exec', '--pidns', '12345'], /^kwire exec: warning: --pidns 12345: no pid namespace has this inode now; waiting for one anyway \(list them: lsns -t pid\)$/],
    [['exit', '--pidns', '12345'], /^kwire exit: warning: --pidns 12345: no pid namespace/],
    [['flows', '--cgroup', 'none', '--netns', '12345'], /^kwire flows: warning: --netns 12345: no net namespace has this inode now/],
  ])('kwire %j warns once', async (args, warning) => {
    const result = await kwire(...args, '--duration', '0.2');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(warning);
  });

  it('an inode that exists gives no warning', async () => {
    const { statSync } = await import('node:fs');
    const result = await kwire('exec', '--pidns', String(statSync('/proc/self/ns/pid').ino), '--duration', '0.2');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});
