// The common output options (issue 15, features): -t and --time-format for the TIME column, -o FILE
// with --rotate SIZE, and SIGUSR1 to reopen FILE after logrotate moved it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

const bin = repoPath('packages/cli/bin/kwire.js');
const kwire = (...args: string[]) => run(process.execPath, [bin, ...args]);
const fixture = repoPath('fixtures/capture/host.kwcap');
const dir = mkdtempSync(join(tmpdir(), 'kw15-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the TIME column', () => {
  it.each([
    [['--time-format', 'iso'], /^exec TIME +PCOMM/m, /^exec \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z seq /m],
    [['--time-format', 'boot'], /^exec TIME\(s\) +PCOMM/m, /^exec \d+\.\d{3} +seq /m],
    [['--time-format', 'none'], /^exec PCOMM +PID/m, /^exec seq +\d+ /m],
    [[], /^exec TIME +PCOMM/m, /^exec \d\d:\d\d:\d\d seq /m],
  ])('kwire replay %j', async (args, header, row) => {
    const r = await kwire('replay', fixture, '--sources', 'exec,exit', ...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(header);
    expect(r.stdout).toMatch(row);
  });

  it.skipIf(!canRunLive)(`-t: seconds since the command started, to the millisecond${liveSkipReason ? ` (skipped: ${liveSkipReason})` : ''}`, async () => {
    const r = await kwire('exec', '-t', '--duration', '1.5');
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header).toMatch(/^TIME\(s\) +PCOMM/);
    for (const row of rows) expect(Number(/^(\d+\.\d{3}) /.exec(row)![1])).toBeLessThan(60);
  });

  it.each([
    [['exec', '--time-format', 'utc'], /--time-format wants clock, iso, boot or none, got 'utc'/],
    [['exec', '-t', '--time-format', 'iso'], /-t and --time-format: choose one/],
    [['exit', '--rotate', '1M'], /--rotate is for -o FILE/],
    [['exec', '-o', '/tmp/x', '--rotate', '10'], /--rotate wants a size of at least 4k/],
  ])('kwire %j: usage error', async (args, message) => {
    const r = await kwire(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('-o FILE', () => {
  it('writes there instead of stdout, and --rotate keeps FILE under SIZE (FILE.1, FILE.2, …)', async () => {
    const file = join(dir, 'replay.log');
    const whole = await kwire('replay', fixture, '--json');
    const r = await kwire('replay', fixture, '--json', '-o', file, '--rotate', '4k');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const parts = readdirSync(dir).filter((f) => f.startsWith('replay.log')).sort().reverse(); // .2, .1, then FILE
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => readFileSync(join(dir, p), 'utf8')).join('')).toBe(whole.stdout);
    for (const p of parts) expect(readFileSync(join(dir, p), 'utf8')).toMatch(/^\{.*\}\n$/s); // whole lines
  });

  it.skipIf(!canRunLive)(`SIGUSR1 reopens FILE (after logrotate moved it)${liveSkipReason ? ` (skipped: ${liveSkipReason})` : ''}`, async () => {
    const file = join(dir, 'live.log');
    const child = spawn(process.execPath, [bin, 'exec', '--json', '-o', file], { stdio: 'ignore' });
    const closed = new Promise((r) => child.on('close', r));
    const tag = () => run('/bin/true', ['kw15-usr1']);
    await waitFor('the first events', () => {
      void tag();
      return existsSync(file) && readFileSync(file, 'utf8').includes('kw15-usr1');
    }, 30_000);
    renameSync(file, `${file}.old`);
    child.kill('SIGUSR1');
    await waitFor('events in the new file', () => {
      void tag();
      return existsSync(file) && readFileSync(file, 'utf8').includes('kw15-usr1');
    });
    child.kill('SIGINT');
    expect(await closed).toBe(0);
  });
});
