// kwire replay FILE.etl: a Windows trace printed as a table, JSON lines or MessagePack, filtered, with
// --stats and --progress on stderr; usage errors in one line with exit status 2.
import { createReadStream } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EventDecoder } from 'kwire';
import { etlPath, readEtl } from './helpers/etl.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const bin = repoPath('packages/cli/bin/kwire.js');
const kwire = (...args: string[]) => run(process.execPath, [bin, ...args]);
const json = (text: string) => text.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('kwire replay FILE.etl', () => {
  it('prints the same events as etw.fromEtl() as JSON lines and MessagePack (64-bit values as decimal strings in JSON)', async () => {
    const r = await kwire('replay', etlPath('net.4.5.2.x86'), '--json', '--classes', 'TcpIp');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = json(r.stdout);
    const lib = (await readEtl(etlPath('net.4.5.2.x86'), { filter: { classes: ['TcpIp'] } })).events;
    expect(lines.length).toBe(lib.length);
    expect(lines.find((e) => e.type === 'tcp-accept')).toEqual({
      type: 'tcp-accept', ts: '2020-07-29T00:06:24.7734269Z', tsRaw: '1584102535', cpu: 2, pid: 4, size: 0,
      daddr: '10.128.0.77', saddr: '10.128.0.55', dport: 60841, sport: 2869,
    });
    const mp = spawnSync(process.execPath, [bin, 'replay', etlPath('net.4.5.2.x86'), '--msgpack', '--classes', 'TcpIp']);
    expect(mp.status).toBe(0);
    const fromMsgpack = [...new EventDecoder().decodeAll(mp.stdout)] as Record<string, unknown>[];
    expect(fromMsgpack.map((e) => e.type)).toEqual(lines.map((e) => e.type));
    expect(fromMsgpack.find((e) => e.type === 'tcp-accept')).toMatchObject({ saddr: '10.128.0.55', sport: 2869, tsRaw: 1584102535n });
  });

  it('prints a table, and --stats and --progress on stderr', async () => {
    const r = await kwire('replay', etlPath('ShutdownPerfDiagLogger'), '--classes', 'Process', '--opcodes', '2', '--stats', '--progress');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^TIME +TYPE +PID +TID +CPU +DETAIL$/);
    expect(rows.length).toBe(1 + 60);
    expect(rows.some((l) => /process-end +6780 .*ppid=3856 .*SecurityHealthSystray\.exe/.test(l))).toBe(true);
    expect(r.stderr).toMatch(/\[[#.]+\] +\d+% [\d.]+ (KiB|MiB)\/3\.1 MiB/);
    expect(r.stderr).toMatch(/^replay: .*ShutdownPerfDiagLogger\.etl \(Windows 10\.0 build 18362, PerfDiag Logger, 2020-02-28T09:03:47\.744Z\): buffers=49 compressed=0 records=17078 events=60 unknown=11 filtered=17007 decodeErrors=0$/m);
    expect(r.stderr).toMatch(/headerTypes: 0xc002=8433,0xc011=8645/);
  });

  it('reads stdin with --etl, and any file name with --etl', async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = require_spawn(['replay', '-', '--etl', '--json', '--classes', 'UdpIp']);
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
      createReadStream(etlPath('net.4.5.2.x64')).pipe(child.stdin!);
    });
    expect(r.code).toBe(0);
    expect(json(r.stdout).map((e) => e.type)).toEqual(expect.arrayContaining(['udp-send', 'udp-receive']));
  });

  it.each([
    [['replay', etlPath('smallEtlFile'), '--classes', 'Nope'], /^kwire replay: --classes: unknown class "Nope"/],
    [['replay', etlPath('smallEtlFile'), '--pids', 'x'], /^kwire replay: --pids wants numbers, got 'x'/],
    [['replay', etlPath('smallEtlFile'), '--opcodes', ','], /^kwire replay: --opcodes wants a comma-separated list/],
    [['replay', etlPath('smallEtlFile'), '--json', '--msgpack'], /--json and --msgpack: choose one/],
  ])('refuses %j with exit status 2 and one line', async (args, message) => {
    const r = await kwire(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^[^\n]+\n$/);
    expect(r.stderr).toMatch(message);
  });

  it('reports a missing or non-.etl file in one line with exit status 1', async () => {
    const missing = await kwire('replay', '/nonexistent/kw12.etl');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kwire replay: cannot open \/nonexistent\/kw12\.etl: .*\n$/);
    const notEtl = await kwire('replay', repoPath('fixtures/etw/SOURCES.md'), '--etl');
    expect(notEtl.code).toBe(1);
    expect(notEtl.stderr).toMatch(/is not an \.etl file .*\[EDECODE\]\n$/);
  });

  it('explains itself in --help', async () => {
    const r = await kwire('replay', 'x.etl', '--help');
    expect(r.stdout).toMatch(/^kwire replay FILE\.etl — decode a Windows ETW trace file/);
    expect(r.stdout).toMatch(/--classes LIST/);
    expect((await kwire('replay', '--help')).stdout).toMatch(/kwire replay FILE\.etl \[options\] +a Windows ETW trace/);
  });
});

import { spawn } from 'node:child_process';
function require_spawn(args: string[]) {
  return spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}
