// kwire replay and record without privileges: the bundled capture in every format, usage errors,
// damaged and foreign files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventDecoder } from 'kwire';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';
import { validateJsonLines } from './helpers/json-schema.js';

const kwire = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args]);
const fixture = repoPath('fixtures/capture/host.kwcap');

describe('kwire replay', () => {
  it('prints the same events as JSON lines and as MessagePack maps', async () => {
    const json = await kwire('replay', fixture, '--json');
    expect(json.code, json.stderr).toBe(0);
    const fromJson = validateJsonLines(json.stdout);
    const { spawnSync } = await import('node:child_process');
    const mp = spawnSync(process.execPath, [repoPath('packages/cli/bin/kwire.js'), 'replay', fixture, '--msgpack']);
    expect(mp.status).toBe(0);
    const fromMsgpack = [...new EventDecoder().decodeAll(mp.stdout)];
    expect(fromMsgpack.map((e) => JSON.parse(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))))).toEqual(fromJson);
    expect(typeof fromMsgpack[0]!.ts).toBe('bigint');
  });

  it('filters by --sources and --pidns, and reports the capture with --stats', async () => {
    const all = await kwire('replay', fixture, '--json', '--stats');
    const events = validateJsonLines(all.stdout);
    const pidns = events[0].pidns as number;
    const filtered = await kwire('replay', fixture, '--json', '--sources', 'exec', '--pidns', String(pidns));
    expect(filtered.stdout.trim().split('\n')).toHaveLength(events.filter((e) => e.type === 'exec' && e.pidns === pidns).length);
    const others = await kwire('replay', fixture, '--json', '--sources', 'exit,flow');
    const types = validateJsonLines(others.stdout).map((e) => e.type as string);
    expect(types.length).toBe(events.filter((e) => e.type !== 'exec').length);
    expect(new Set(types)).toEqual(new Set(['exit', 'flow']));
    expect(all.stderr).toMatch(/^replay: .*host\.kwcap \(recorded on .*, kernel .*\): chunks=\d+ records=\d+ lost\.kernel=0 lost\.ring=0 decodeErrors=0 issues=0 late=0$/m);
  });

  it('prints the sources merged in time order, each header once, each row tagged with its source (issue 15, defect 4)', async () => {
    const table = await kwire('replay', fixture);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    const headers = lines.filter((l) => /^\w+ +(TIME|KIND) /.test(l));
    expect(headers.map((l) => l.split(' ')[0])).toEqual(['exec', 'exit', 'flow']);
    expect(lines.every((l) => /^(exec|exit|flow) /.test(l))).toBe(true);
    const json = (await kwire('replay', fixture, '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { ts: string });
    expect(json.every((e, i) => i === 0 || BigInt(json[i - 1]!.ts) <= BigInt(e.ts))).toBe(true);
    const inCapture = (await kwire('replay', fixture, '--json', '--order', 'capture')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { ts: string });
    expect(inCapture.map((e) => e.ts).sort()).toEqual(json.map((e) => e.ts).sort());
    const one = await kwire('replay', fixture, '--sources', 'exec');
    expect(one.stdout).toMatch(/^TIME +PCOMM/); // one source: no tags
  });

  it('replays a truncated copy up to its last whole chunk and says where it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kwcap-'));
    try {
      const cut = join(dir, 'cut.kwcap');
      const bytes = readFileSync(fixture);
      writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
      const result = await kwire('replay', cut, '--json');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/warning: .*cut\.kwcap ends inside .* at offset \d+.*read up to offset \d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['replay'], 2, /a capture FILE is required/],
    [['replay', fixture, '--speed', 'fast'], 2, /--speed wants/],
    [['replay', fixture, '--json', '--msgpack'], 2, /choose one/],
    [['replay', fixture, '--msgpack', '--addresses', 'hex'], 2, /--addresses wants/],
    [['replay', repoPath('README.md')], 1, /is not a kwire capture.*\[ECAPTURE_FORMAT\]/],
    [['record'], 2, /-o FILE is required/],
    [['record', '-o', '/dev/null', '--sources', 'nope'], 2, /unknown source 'nope'/],
  ])('%j exits %i', async (args, code, message) => {
    const result = await kwire(...args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('replays in real time when asked (--speed realtime) and as fast as possible by default', async () => {
    const help = await kwire('replay', '--help');
    expect(help.stdout).toMatch(/--speed SPEED/);
    const result = await kwire('replay', fixture, '--speed', 'realtime', '--json');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').length).toBeGreaterThan(10);
  });
});
