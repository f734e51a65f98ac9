// kwire flows: help, usage errors, and (live) JSON destroy records of pings inside a test namespace.
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { createNetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';
import { validateJsonLines } from './helpers/json-schema.js';

const kwire = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args]);

describe('kwire flows', () => {
  it('teaches its options', async () => {
    const result = await kwire('flows', '--help');
    expect(result.code).toBe(0);
    for (const option of ['--mode', '--curve', '--cgroup', '--tc', '--idle-timeout', '--json', '--duration', '--stats']) expect(result.stdout).toContain(option);
  });

  it('leaves --pidns out of its help whole: no stray continuation line under another option', async () => {
    const { stdout } = await kwire('flows', '--help');
    const common = stdout.slice(stdout.indexOf('Common options:'));
    expect(common).not.toContain('--pidns');
    // every continuation line (deep indent) follows an option line whose text it continues
    expect(common).not.toMatch(/--duration[^\n]*\n {22}\(default: all\)/);
    expect(common.split('\n\n')[0]!.split('\n').filter((l) => /^ {22}\S/.test(l))).toEqual([
      '                      (default: a table)',
      '                      (default: never)',
      '                      since boot, ms) or none (no TIME column) (default: clock)',
    ]);
  });

  it.each([
    [['flows', '--mode', 'some'], /--mode wants update, destroy or all/],
    [['flows', '--curve', '1:2'], /--curve wants three AGE:RATE points/],
    [['flows', '--idle-timeout', '0'], /--idle-timeout wants a positive number/],
    [['flows', '--proto', 'pigeon'], /--proto wants tcp, udp, icmp, icmp6, sctp or a protocol number, got 'pigeon'/],
    [['flows', '--port', '70000'], /--port wants a number in 0\.\.65535, got '70000'/],
    [['flows', '--host', '10.0.0.300'], /--host wants an IPv4 or IPv6 address, got '10\.0\.0\.300'/],
    [['flows', '--mark', 'x'], /--mark wants a number/],
  ])('refuses %j with exit status 2', async (args, message) => {
    const result = await kwire(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it.skipIf(!canRunLive)(`prints DESIGN.md's JSON fields for live flows${liveSkipReason ? ` (skipped: ${liveSkipReason})` : ''}`, async () => {
    const pair = createNetnsPair();
    try {
      const netns = String(pair.inode(pair.a));
      const cli = kwire('flows', '--json', '--mode', 'destroy', '--idle-timeout', '0.2', '--duration', '4', '--netns', netns, '--stats');
      const pinger = pair.start(pair.a, 'ping', ['-c', '12', '-i', '0.25', pair.v4.b]);
      const result = await cli;
      pinger.kill();
      expect(result.code).toBe(0);
      const events = validateJsonLines(result.stdout);
      const ping = events.find((e) => e.proto === 1 && e.dstAddr === pair.v4.b);
      expect(ping).toBeDefined();
      expect(Object.keys(ping!)).toEqual(['type', 'start', 'ts', 'time', 'flowId', 'connmark', 'srcAddr', 'dstAddr', 'srcPort', 'dstPort', 'proto', 'netns', 'packetsOrig', 'bytesOrig', 'packetsRet', 'bytesRet', 'kind']);
      // issue 15, defect 8: the u64 counters are decimal strings like every 64-bit value
      for (const counter of ['packetsOrig', 'bytesOrig', 'packetsRet', 'bytesRet', 'start', 'ts']) expect(ping![counter]).toMatch(/^\d+$/);
      expect(ping).toMatchObject({ type: 'flow', kind: 'destroy', srcAddr: pair.v4.a, netns: Number(netns) });
      expect(typeof ping!.start).toBe('string');
      expect(ping!.packetsOrig).toBe(ping!.packetsRet);
      expect(Number(ping!.bytesOrig)).toBeGreaterThan(0);
      expect(events.every((e) => e.kind === 'destroy' && e.netns === Number(netns))).toBe(true);
      // One --stats line, as every command prints it: the probe's counters, then the BPF side's and this consumer's.
      expect(result.stderr).toMatch(/^flows: received=\d+ batches=\d+ lost\.kernel=0 lost\.ring=0 lost\.undelivered=\d+ decodeErrors=0 .* recordBytes=\d+ packets=\d+ tableFull=0 .* consumer\.received=\d+ consumer\.lost=0\n$/);
    } finally {
      pair.cleanup();
    }
  });

  it.skipIf(!canRunLive)(`works by default under ip netns exec, where /sys is remounted without cgroup2 (issue 15, defect 3)${liveSkipReason ? ` (skipped: ${liveSkipReason})` : ''}`, async () => {
    const pair = createNetnsPair();
    const bin = repoPath('packages/cli/bin/kwire.js');
    try {
      const refused = await run('ip', ['netns', 'exec', pair.a, process.execPath, bin, 'flows', '--cgroup', '/sys/fs/cgroup', '--duration', '1']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^kwire flows: --cgroup: \/sys\/fs\/cgroup is not a cgroup v2 directory \(no cgroup v2 filesystem is mounted in this mount namespace, as in ip netns exec, which remounts \/sys: leave --cgroup out/);
      const cli = run('ip', ['netns', 'exec', pair.a, process.execPath, bin, 'flows', '--json', '--mode', 'destroy', '--idle-timeout', '0.2', '--duration', '4']);
      const pinger = pair.start(pair.a, 'ping', ['-c', '12', '-i', '0.25', pair.v4.b]);
      const result = await cli;
      pinger.kill();
      expect(result.code, result.stderr).toBe(0);
      const events = result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.find((e) => e.proto === 1 && e.dstAddr === pair.v4.b && e.netns === pair.inode(pair.a))).toBeDefined();
      // the private cgroup2 mount is gone, its directory too
      expect(readFileSync('/proc/mounts', 'utf8')).not.toMatch(/kwire-cgroup2-/);
      expect(readdirSync(tmpdir()).filter((d) => d.startsWith('kwire-cgroup2-'))).toEqual([]);
    } finally {
      pair.cleanup();
    }
  });

  it.skipIf(!canRunLive)(`--proto, --port and --host keep only the flows asked for${liveSkipReason ? ` (skipped: ${liveSkipReason})` : ''}`, async () => {
    const pair = createNetnsPair();
    try {
      const cli = kwire('flows', '--json', '--mode', 'destroy', '--idle-timeout', '0.2', '--duration', '4', '--proto', 'icmp', '--host', pair.v4.b, '--netns', String(pair.inode(pair.a)));
      const pinger = pair.start(pair.a, 'ping', ['-c', '12', '-i', '0.25', pair.v4.b]);
      const other = pair.start(pair.a, 'ping', ['-c', '12', '-i', '0.25', '127.0.0.1']);
      const result = await cli;
      pinger.kill();
      other.kill();
      expect(result.code, result.stderr).toBe(0);
      const events = result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.proto === 1 && (e.srcAddr === pair.v4.b || e.dstAddr === pair.v4.b))).toBe(true);
      const byPort = await kwire('flows', '--json', '--duration', '1', '--proto', 'tcp', '--port', '1');
      expect(byPort.stdout.trim().split('\n').filter(Boolean).every((l) => { const e = JSON.parse(l); return e.proto === 6 && (e.srcPort === 1 || e.dstPort === 1); })).toBe(true);
    } finally {
      pair.cleanup();
    }
  });
});
