// The kwire command line under bad input and rough endings: every failure is one line on stderr naming
// the problem and the way out, with the documented exit status (2 usage, 77 privileges, 1 other), no
// stack trace, and nothing left behind (programs, tc filters, files). Table-driven.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { kwProgramIds, programIdsHeldBy } from './helpers/kw-programs.js';
import { createNetnsPair, type NetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor, type RunResult } from './helpers/run.js';
import { validateJsonLines } from './helpers/json-schema.js';

const bin = repoPath('packages/cli/bin/kwire.js');
const kwire = (...args: string[]) => run(process.execPath, [bin, ...args]);
const dir = mkdtempSync(join(tmpdir(), 'kwire-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const capture = repoPath('fixtures/capture/host.kwcap');
const object = repoPath('bpf/.output/exit.bpf.o');
const text = join(dir, 'text.kwcap');
writeFileSync(text, 'hello\n');

/** One line on stderr, no stack trace. */
function expectOneLine(result: RunResult, message: RegExp): void {
  expect(result.stderr, result.stderr).toMatch(/^[^\n]+\n$/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).toMatch(message);
}

describe('usage errors: exit status 2, one line ending with where to look', () => {
  it.each([
    [['exec', '--duration', '-1'], /--duration wants a positive number of seconds, got '-1'/],
    [['exec', '--duration', ''], /--duration wants a value, got ''/],
    [['exec', '--duration'], /--duration wants a value/],
    [['exec', '--duration', '1e400'], /--duration wants a positive number of seconds/],
    [['exec', '--pidns', '-5'], /--pidns wants a pid namespace inode, got '-5'/],
    [['exec', '--pidns', '99999999999'], /--pidns wants a pid namespace inode/],
    [['exec', 'extra'], /Unexpected argument 'extra': this command takes no arguments besides its options/],
    [['exec', '--addresses', 'ipv9'], /--addresses wants 'string' or 'bytes', got 'ipv9'/],
    [['exec', '--addresses', 'bytes'], /--addresses is for --msgpack/],
    [['replay', capture, '--json', '--msgpack'], /--json and --msgpack: choose one/],
    [['exit', '--threads=1'], /Option '--threads' does not take an argument/],
    [['proc', '--events', 'exec,nope'], /--events wants names from ack,fork,exec,uid,gid,sid,ptrace,comm,coredump,exit, got 'nope'/],
    [['proc', '--rcvbuf', '-1'], /--rcvbuf wants a byte count from 0 to 1073741824, got '-1'/],
    [['proc', '--names', 'a,,b'], /--names wants comms separated by commas, got 'a,,b'/],
    [['proc', '--threads=1'], /Option '--threads' does not take an argument/],
    [['proc', '--addresses', 'bytes'], /Unknown option '--addresses'/],
    [['flows', '--mode', ''], /--mode wants a value, got ''/],
    [['flows', '--curve', ''], /--curve wants a value, got ''/],
    [['flows', '--curve', '1:2'], /--curve wants three AGE:RATE points in seconds, e\.g\. 0:20,60:60,300:300/],
    [['flows', '--curve', '-1:1,2:2,3:3'], /--curve wants three AGE:RATE points/],
    [['flows', '--curve', '5:1,2:2,3:3'], /--curve: the ages must not decrease/],
    [['flows', '--idle-timeout', '-3'], /--idle-timeout wants a positive number of seconds/],
    [['flows', '--idle-timeout', '1e20'], /--idle-timeout wants a positive number of seconds \(at most/],
    [['flows', '--tc', ''], /--tc wants a value, got ''/],
    [['flows', '--tc', 'lo,,x'], /--tc wants interface names separated by commas/],
    [['flows', '--netns', '99999999999'], /--netns wants a network namespace inode/],
    [['replay', capture, '--sources', 'nope'], /--sources: unknown source 'nope' \(known: exec,exit,flow,proc\)/],
    [['replay', capture, '--speed', '-2'], /--speed wants 'max', 'realtime' or a positive factor, got '-2'/],
    [['top', '--interval', '0'], /--interval wants a positive number of seconds, got '0'/],
    [['top', '--speed', '2'], /--speed is for --replay/],
    [['top', '--replay', capture, '--speed', 'fast'], /--speed wants 'max', 'realtime' or a positive factor, got 'fast'/],
    [['top', '--replay', join(dir, 'nope.kwcap')], /--replay: no such file: .*nope\.kwcap/],
    [['top', '--replay', capture], /kwire top draws on a terminal: run it in one/],
    [['record', '-o', join(dir, 'x.kwcap'), '--cgroup', '/nope', '--sources', 'exec'], /--cgroup is for the flow source, which --sources leaves out/],
    [['record', '-o', join(dir, 'x.kwcap'), '--sources', ''], /--sources wants a value, got ''/],
    [['gen', '--btf', object], /--btf OBJECT and --type STRUCT are required \(the structs of .*: bpftool btf dump file/],
    [['gen', '--btf', object, '--type', 'exit_event', '--as', 'nope=ip4', '--no-wasm', '--out', dir], /--as: struct exit_event has no member nope \(its members: /],
    [['gen', '--btf', object, '--type', 'exit_event', '--as', 'pid'], /--as wants MEMBER=TYPE \(e\.g\. saddr=ip4\), got 'pid'/],
    [['gen', '--btf', object, '--type', 'exit_event', '--tail-size', 'pid', '--no-wasm', '--out', dir], /--tail-size: struct exit_event has no flexible array member/],
    [['gen', '--btf', object, '--type', 'exit_event', '--name', '1x', '--no-wasm', '--out', dir], /--name wants an identifier/],
    [['gen', '--btf', object, '--type', 'exit_event', '--source-id', '0'], /--source-id wants an integer in 1\.\.65535, got '0'/],
    // issue 15: the process filters
    [['exec', '--pid', 'abc'], /--pid wants a process id \(a number\), got 'abc'/],
    [['exec', '--argv', 'both'], /--argv wants 'caller' or 'exec', got 'both'/],
    [['exec', '--argv', 'exec', '-x'], /--failed needs --argv caller/],
    [['exit', '--uid', '-1'], /--uid wants a uid \(a number\), got '-1'/],
    [['exec', '--comm', '('], /--comm wants a regular expression: /],
    [['exec', '--cgroup', '/tmp'], /--cgroup: \/tmp is not a cgroup v2 directory/],
    [['exit', '--cgroup', '/nope'], /--cgroup: \/nope: no such directory/],
    // issue 15, defect 10: equivalent mistakes of kwire gen exit alike (2), as kwire help and replay's do
    [['gen', '--btf', object, '--type', 'nosuch', '--no-wasm', '--out', dir], /--type: no struct nosuch in the BTF of/],
    [['gen', '--btf', object, '--type', 'exit_event', '--as', 'pid=ip9', '--no-wasm', '--out', dir], /--as: field pid: unknown type ip9/],
    [['replay', 'a', 'b'], /replay takes one capture FILE, got 2: a b/],
    [['replay'], /a capture FILE is required/],
    [['bench', '--only', 'nope'], /--only: no benchmark named nope… \(there are: /],
    [['bench', '--reps', '-1'], /--reps wants a positive integer, got '-1'/],
  ])('kwire %j', async (args, message) => {
    const result = await kwire(...args);
    expect(result.code, result.stderr).toBe(2);
    expectOneLine(result, message);
    expect(result.stderr).toMatch(new RegExp(`^kwire ${args[0]}: .* \\(see: kwire ${args[0]} --help\\)\\n$`));
  });
});

it('kwire help NOSUCH: exit status 2, naming the commands (issue 15, defect 10)', async () => {
  const result = await kwire('help', 'nosuch');
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expectOneLine(result, /^kwire help: no command 'nosuch' \(the commands: exec, .*; see: kwire --help\)\n$/);
});

describe.skipIf(!existsSync('/usr/bin/script'))('binary output is not written to a terminal', () => {
  it.each([
    [['replay', capture, '--msgpack'], /^kwire replay: --msgpack writes binary: redirect it to a file or a pipe, not the terminal/],
    [['record', '-o', '-', '--sources', 'exec'], /^kwire record: -o - writes a binary capture: pipe it \(\| kwire replay -\) or redirect it, not to the terminal/],
  ])('kwire %j on a terminal: exit status 2', (args, message) => {
    // script(1) gives the command a pseudo-terminal for its output (stderr included).
    const r = spawnSync('script', ['-qec', [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout.replace(/\r/g, '')).toMatch(message);
  });
});

it('an unknown command: one line naming the commands, exit status 2', async () => {
  const r = await kwire('nope');
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("kwire: unknown command 'nope' (the commands: exec, exit, proc, record, replay, flows, bench, gen, top, etw; see: kwire --help)\n");
});

describe('other failures: exit status 1, one line naming the file and the problem', () => {
  it.each([
    [['replay', join(dir, 'nope.kwcap')], /^kwire replay: capture .*nope\.kwcap: no such file \[EINVAL_ARGUMENT\]/],
    [['replay', dir], /^kwire replay: capture .* is a directory, not a file \[EINVAL_ARGUMENT\]/],
    [['replay', text], /^kwire replay: .*text\.kwcap is not a kwire capture .*\[ECAPTURE_FORMAT\]/],
    [['replay', '/dev/null'], /is empty: not a kwire capture \[ECAPTURE_FORMAT\]/],
    [['gen', '--btf', join(dir, 'nope.o'), '--type', 'x'], /^kwire gen: BPF object .*nope\.o: no such file \[EINVAL_ARGUMENT\]/],
    [['gen', '--btf', dir, '--type', 'x'], /^kwire gen: BPF object .* is a directory, not a file/],
    [['gen', '--btf', text, '--type', 'x'], /text\.kwcap is not an ELF file \(want a BPF object/],
    [['gen', '--btf', process.execPath, '--type', 'x'], /has no \.BTF section \(compile it with clang -g\)/],
    [['gen', '--btf', object, '--type', 'exit_event', '--no-wasm', '--out', join(text, 'sub')], /^kwire gen: cannot mkdir .*text\.kwcap\/sub: not a directory \[ENOTDIR\]/],
  ])('kwire %j', async (args, message) => {
    const result = await kwire(...args);
    expect(result.code, result.stderr).toBe(1);
    expectOneLine(result, message);
  });

  it('a write error on stdout (a full disk) ends replay with one line and status 1', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [bin, 'replay', capture], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.status).toBe(1);
      expectOneLine({ code: r.status, stdout: '', stderr: r.stderr }, /^kwire replay: cannot write the output: no space left on device \[ENOSPC\]/);
    } finally {
      closeSync(full);
    }
  });

  it('a reader that goes away (| head) ends replay quietly with status 0', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" replay "${capture}" --json | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('help teaches', () => {
  const commands = ['exec', 'exit', 'proc', 'flows', 'record', 'replay', 'gen', 'bench', 'top'];

  it('kwire --help lists every command, the exit statuses and examples', async () => {
    const r = await kwire('--help');
    for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    expect(r.stdout).toMatch(/Exit status: 0 done [\s\S]*?, 2 usage error, 77 missing privileges, 1 any other failure/);
    expect(r.stdout).toMatch(/Examples:\n  kwire /);
  });

  it.each(commands)('kwire %s --help gives every option a default (or says it is required) and an example', async (command) => {
    const r = await kwire(command, '--help');
    expect(r.code).toBe(0);
    // An option's description runs from its line to the next option (continuation lines are indented).
    const options = r.stdout.split(/\n(?=  -)/).slice(1).map((o) => o.split(/\n\n/)[0]!.replace(/\s+/g, ' ').trim());
    expect(options.length).toBeGreaterThan(2);
    for (const o of options) if (!o.startsWith('-h, --help')) expect(o).toMatch(/\((default: [^)]+|required)\)/);
    expect(r.stdout).toMatch(/Examples?:\n  kwire /);
  });
});

describe.skipIf(!canRunLive)(`live commands: bad targets, rough endings, stats${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  let pair: NetnsPair;
  beforeAll(() => {
    pair = createNetnsPair();
  });
  afterAll(() => pair?.cleanup());

  /** Runs `check` and then waits until every kw_ program loaded meanwhile is freed again. */
  async function leavesNothingLoaded(check: () => Promise<void>): Promise<void> {
    const before = new Set(kwProgramIds());
    await check();
    await waitFor('the programs it loaded to be freed', () => kwProgramIds().every((id) => before.has(id)), 5000);
  }
  const qdiscs = () => pair.run(pair.a, 'tc', ['qdisc', 'show', 'dev', 'veth0']);

  it.each([
    [['flows', '--tc', 'kwnope0', '--duration', '1'], /^kwire flows: --tc: no network interface 'kwnope0' in this network namespace \(list them: ip -br link\)/],
    [['flows', '--cgroup', '/nope', '--duration', '1'], /^kwire flows: --cgroup: \/nope: no such directory \(the cgroup v2 root here: /],
    [['flows', '--cgroup', '/etc', '--duration', '1'], /^kwire flows: --cgroup: \/etc is not a cgroup v2 directory/],
  ])('kwire %j: exit status 2, nothing loaded', async (args, message) => {
    await leavesNothingLoaded(async () => {
      const r = await kwire(...args);
      expect(r.code, r.stderr).toBe(2);
      expectOneLine(r, message);
    });
  });

  it('kwire record with a bad --cgroup writes no file', async () => {
    const file = join(dir, 'bad-cgroup.kwcap');
    await leavesNothingLoaded(async () => {
      const r = await kwire('record', '-o', file, '--cgroup', '/nope', '--duration', '1');
      expect(r.code, r.stderr).toBe(2);
      expectOneLine(r, /^kwire record: --cgroup: \/nope: no such directory/);
    });
    expect(existsSync(file)).toBe(false);
  });

  it.each([
    ['an output in a missing directory', () => join(dir, 'nope', 'x.kwcap'), [], /^kwire record: cannot open .*nope\/x\.kwcap: no such file or directory \[ENOENT\]/],
    ['a directory as output', () => dir, [], /^kwire record: cannot open .*: illegal operation on a directory \[EISDIR\]/],
    ['--append to a file that is not a capture', () => text, ['--append'], /^kwire record: cannot append to .*text\.kwcap: it is not a kwire capture .*\[ECAPTURE_FORMAT\]/],
  ] as const)('kwire record to %s: status 1, nothing loaded, nothing written', async (_name, output, extra, message) => {
    await leavesNothingLoaded(async () => {
      const r = await kwire('record', '-o', output(), '--sources', 'exec', '--duration', '1', ...extra);
      expect(r.code, r.stderr).toBe(1);
      expectOneLine(r, message);
    });
    expect(readFileSync(text, 'utf8')).toBe('hello\n');
  });

  it('kwire exec writing to a full disk stops with one line, status 1, and detaches', async () => {
    await leavesNothingLoaded(async () => {
      const full = openSync('/dev/full', 'w');
      const child = spawn(process.execPath, [bin, 'exec', '--duration', '10'], { stdio: ['ignore', full, 'pipe'] });
      closeSync(full);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(1);
      expectOneLine({ code, stdout: '', stderr }, /^kwire exec: cannot write the output: no space left on device \[ENOSPC\]/);
    });
  });

  it('a --duration beyond 24.8 days does not end at once (Node timers overflow there)', async () => {
    await leavesNothingLoaded(async () => {
      const child = spawn(process.execPath, [bin, 'exec', '--duration', '99999999999', '--stats'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      await waitFor('the table header', () => stdout.includes('PCOMM'), 20_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(child.exitCode).toBe(null);
      child.kill('SIGTERM');
      expect(await closed).toBe(0);
      expect(stderr).toMatch(/^exec: received=\d+ /);
      expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
    });
  });

  it.each([
    ['SIGINT', ['exec']],
    ['SIGTERM', ['exit', '--json']],
    ['SIGHUP', ['flows', '--msgpack', '--cgroup', 'none', '--tc', 'veth0']],
    ['SIGTERM', ['record', '-o', '-', '--sources', 'exec,exit']],
  ] as const)('%s mid-run of kwire %j: status 0, everything detached (tc filters too)', async (signal, args) => {
    await leavesNothingLoaded(async () => {
      const child = pair.start(pair.a, process.execPath, [bin, ...args, '--stats']);
      child.stdout!.resume(); // read what it writes: a full pipe would block it in a write (a busy machine writes a lot)
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Its own programs, not any new one on the machine: the signal must find kwire's handlers set up.
      await waitFor('the programs to load', () => programIdsHeldBy(child.pid!).length > 0, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      // ip netns exec runs kwire in place (exec), so the signal reaches kwire itself.
      child.kill(signal);
      expect(await closed, stderr).toBe(0);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(qdiscs()).not.toContain('clsact');
    });
  });

  it('Ctrl-C at any moment, even while the programs load, leaves no tc filter behind', async () => {
    for (const delay of [150, 250, 350, 450, 600]) {
      await leavesNothingLoaded(async () => {
        const child = pair.start(pair.a, process.execPath, [bin, 'flows', '--cgroup', 'none', '--tc', 'veth0']);
        const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
        await new Promise((r) => setTimeout(r, delay));
        child.kill('SIGINT');
        const code = await closed;
        // Before Node set up its handlers the default action ends it (nothing was attached yet); after, kwire stops cleanly.
        expect([0, null]).toContain(code);
        expect(qdiscs()).not.toContain('clsact');
      });
    }
  });

  it('kwire flows --tc into | head -1: the reader going away detaches the tc filters (they outlive a process)', async () => {
    await leavesNothingLoaded(async () => {
      const ping = setInterval(() => spawn('ip', ['netns', 'exec', pair.a, 'ping', '-c', '1', '-W', '1', pair.v4.b], { stdio: 'ignore' }), 200);
      try {
        const out = pair.run(pair.a, 'sh', ['-c', `"${process.execPath}" "${bin}" flows --json --cgroup none --tc veth0 --curve 0:0,1:1,2:2 --duration 20 | head -1`]);
        expect(validateJsonLines(out)[0]).toMatchObject({ type: 'flow' });
      } finally {
        clearInterval(ping);
      }
      expect(qdiscs()).not.toContain('clsact');
    });
  });

  it('--stats prints one line per command, in one format: "<command>: key=value …"', async () => {
    const stats = async (...args: string[]) => {
      const r = await kwire(...args, '--stats', '--duration', '0.5');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^[^\n]+\n$/);
      return r.stderr;
    };
    const live = /^(exec|exit|flows): received=\d+ batches=\d+ lost\.kernel=\d+ lost\.ring=\d+ lost\.undelivered=\d+ decodeErrors=\S+ queueLength=\d+ ringFullWaits=\d+ transport=(ringbuf|perf)/;
    expect(await stats('exec')).toMatch(live);
    expect(await stats('exit')).toMatch(live);
    expect(await stats('flows', '--cgroup', 'none')).toMatch(live);
    expect(await stats('replay', capture)).toMatch(/^replay: .*: chunks=\d+ records=\d+ lost\.kernel=\d+ lost\.ring=\d+ decodeErrors=\S+ issues=\d+/);
    expect(await stats('record', '-o', join(dir, 'stats.kwcap'), '--sources', 'exec')).toMatch(/^record: exec → .*: chunks=\d+ records=\d+ bytes=\d+ lost\.kernel=\d+ lost\.ring=\d+/);
  });
});
