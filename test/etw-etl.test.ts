// The .etl producer and the etw decoder on the seven real trace files of fixtures/etw/ (SOURCES.md says
// where each came from and gives the counts of an independent walk): every buffer and record walks and
// decodes without an error, the counts by header type and by hook are SOURCES.md's, and the values a
// person can check (names, command lines, parents, endpoints, dates) are right. The pure-TypeScript
// reference reader (test/reference/etl.ts) decodes the same events.
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { etw, KwireError, type EtwEvent } from 'kwire';
import { ETL_FIXTURES, etlBytes, etlPath, readEtl, type EtlFixture } from './helpers/etl.js';
import { walkEtlRef } from './reference/etl.js';

/** SOURCES.md: buffers, records, records by header type (where it lists them), some hooks. */
const SOURCES: Record<EtlFixture, { buffers: number; records: number; headerTypes?: Record<string, number>; hooks?: Record<string, number> }> = {
  ShutdownPerfDiagLogger: {
    buffers: 49, records: 17078, headerTypes: { '0xc002': 8433, '0xc011': 8645 },
    hooks: {
      '0x1402': 4791, '0x1403': 6745, '0x1404': 2145, '0x030a': 72, '0x0501': 350, '0x0502': 1032, '0x0503': 1175, '0x0504': 501,
      '0x0302': 60, '0x0303': 94, '0x0304': 37, '0x030b': 60, '0x0327': 5,
    },
  },
  'net.4.5.2.x64': {
    buffers: 360, records: 179474,
    headerTypes: { '0xc011': 100157, '0xc013': 34765, '0xc012': 33378, '0xc014': 7956, '0xc002': 3189, '0xc00a': 27, '0xc001': 2 },
    hooks: { '0x030a': 35, '0x0424': 3054, '0x061a': 240, '0x061b': 250, '0x1820': 252, '0x1826': 7046, '0x0f2e': 79528 },
  },
  'net.4.5.2.x86': { buffers: 276, records: 168298 },
  // 8,923 / 10,343 manifest events, and the logfile header record (SYSTEM64)
  KernelNetwork: { buffers: 129, records: 8924, headerTypes: { '0xc013': 8923, '0xc002': 1 } },
  Process: { buffers: 182, records: 10344, headerTypes: { '0xc013': 10343, '0xc002': 1 } },
  lxcore_kernel: { buffers: 3, records: 4, headerTypes: { '0xc013': 2, '0xc002': 2 } },
  smallEtlFile: { buffers: 2, records: 2, headerTypes: { '0xc012': 1, '0xc001': 1 } },
};
const COMPRESSED: Partial<Record<EtlFixture, number>> = { 'net.4.5.2.x64': 359, 'net.4.5.2.x86': 275, smallEtlFile: 1 };

const runs = new Map<EtlFixture, ReturnType<typeof readEtl>>();
const read = (name: EtlFixture) => {
  if (!runs.has(name)) runs.set(name, readEtl(etlPath(name)));
  return runs.get(name)!;
};
const totalErrors = (e: Partial<Record<string, number>>) => Object.values(e).reduce((a: number, b) => a + (b ?? 0), 0);
const ofType = (events: EtwEvent[], prefix: string) => events.filter((e) => e.type.startsWith(prefix));

describe.each(ETL_FIXTURES)('%s.etl', (name) => {
  it('walks every buffer and record, with no decode error and nothing skipped', async () => {
    const { stats } = await read(name);
    expect(stats.decodeErrors).toEqual({});
    expect(stats.walk).toEqual({
      buffers: SOURCES[name].buffers, compressedBuffers: COMPRESSED[name] ?? 0, records: SOURCES[name].records,
      badBuffers: 0, badRecords: 0, xpressErrors: 0, truncatedBytes: 0, skippedBytes: 0, unknownHeaders: 0, messages: 0, noClock: 0,
    });
    expect(stats.lost).toEqual({ kernel: 0, ring: 0 });
    // every record is an event, an unknown one (counted by class and opcode) or nothing else
    const unknown = Object.values(stats.unknown).reduce((a, b) => a + b, 0);
    expect(stats.received + unknown).toBe(SOURCES[name].records);
    expect(stats.bytesRead).toBe(etlBytes(name).length);
  });

  it("counts records by header type and by hook as SOURCES.md's independent walk does", async () => {
    const { stats } = await read(name);
    const total = Object.values(stats.headerTypes).reduce((a, b) => a + b, 0);
    expect(total).toBe(SOURCES[name].records);
    if (SOURCES[name].headerTypes) expect(stats.headerTypes).toEqual(SOURCES[name].headerTypes);
    for (const [hook, n] of Object.entries(SOURCES[name].hooks ?? {})) expect(stats.hooks[hook], hook).toBe(n);
  });

  it('puts every event on the days the trace ran (wall-clock times from the logfile header)', async () => {
    const { events } = await read(name);
    const source = etw.fromEtl(etlPath(name));
    await new Promise<void>((resolve, reject) => source.subscribe({ error: reject, complete: () => resolve() }));
    const h = source.header()!;
    expect(h.startTime).toBeInstanceOf(Date);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const days = new Set([day(h.startTime!), day(h.endTime ?? h.startTime!)]);
    for (const e of events) expect(days.has(e.ts.slice(0, 10)), `${e.type} at ${e.ts}`).toBe(true);
  });
});

describe('decoded values a person can check', () => {
  it('ShutdownPerfDiagLogger: process names, command lines, SIDs; ends whose parents are known; threads and images of known processes', async () => {
    const { events } = await read('ShutdownPerfDiagLogger');
    const processes = events.filter((e) => ['process-start', 'process-end', 'process-rundown', 'process-defunct'].includes(e.type));
    const end = processes.find((e) => e.type === 'process-end' && e.imageName === 'SecurityHealthSystray.exe')!;
    expect(end).toMatchObject({
      ppid: 3856, sessionId: 1, exitStatus: 1073807364, commandLine: '"C:\\Windows\\System32\\SecurityHealthSystray.exe" ',
      sid: 'S-1-5-21-4151223144-1238771585-1724997581-1000',
    });
    expect(processes.find((e) => e.pid === 4)).toMatchObject({ type: 'process-rundown', rundown: true, imageName: 'System', sid: 'S-1-5-18' });
    const known = new Set(processes.map((e) => e.pid));
    const ends = events.filter((e) => e.type === 'process-end');
    expect(ends.length).toBe(60);
    const parentsKnown = ends.filter((e) => known.has(e.ppid as number)).length;
    expect(parentsKnown / ends.length).toBeGreaterThan(0.9);
    for (const e of [...ofType(events, 'thread-'), ...ofType(events, 'image-')]) expect(known.has(e.pid!), `${e.type} of pid ${e.pid}`).toBe(true);
    expect(ofType(events, 'image-').some((e) => e.imageName === '\\Device\\HarddiskVolume3\\Windows\\SysWOW64\\ntdll.dll')).toBe(true);
    expect(events.filter((e) => e.type === 'image-load').length).toBe(72);
    expect(events.filter((e) => e.rundown).length).toBe(94 + 37 + 1175 + 501 + 6745 + 2145);
  });

  it('net.4.5.2.x86: the TCP endpoints include PID 4, 10.128.0.55:2869 ↔ 10.128.0.77:60841, over IPv4 and IPv6; UDP from PID 2108 port 1900', async () => {
    const { events } = await read('net.4.5.2.x86');
    const tcp = ofType(events, 'tcp-');
    expect(new Set(tcp.map((e) => e.type))).toEqual(new Set(['tcp-send', 'tcp-receive', 'tcp-disconnect', 'tcp-accept']));
    expect(tcp.find((e) => e.type === 'tcp-accept')).toMatchObject({ pid: 4, saddr: '10.128.0.55', sport: 2869, daddr: '10.128.0.77', dport: 60841 });
    expect(tcp.filter((e) => e.pid === 4 && e.saddr === '10.128.0.55' && e.sport === 2869 && e.daddr === '10.128.0.77' && e.dport === 60841).length).toBe(5);
    expect(tcp.some((e) => String(e.saddr).startsWith('2001:4898:'))).toBe(true);
    expect(ofType(events, 'udp-').some((e) => e.pid === 2108 && (e.sport === 1900 || e.dport === 1900))).toBe(true);
    expect(events.find((e) => e.type === 'process-start' && String(e.imageName).endsWith('Test.x86.exe'))).toMatchObject({ ppid: 3508, sessionId: 1 });
  });

  it('net.4.5.2.x64: file names, process start and end from the manifest provider, the 79,528 SampledProfile events counted unknown', async () => {
    const { events, stats } = await read('net.4.5.2.x64');
    expect(ofType(events, 'file-').length).toBe(16 + 14 + 3054);
    expect(events.find((e) => e.type === 'file-create')).toMatchObject({ fileName: '\\Device\\Mup\\clrmain\\public\\PerfInvestigations\\20-07-28.TestTraces\\net.4.5.2.x64.etl' });
    const start = events.find((e) => e.type === 'process-start')!;
    const end = events.find((e) => e.type === 'process-end' && e.pid === start.pid)!;
    expect(end).toMatchObject({ imageName: 'Test.x64.exe', exitStatus: 0 });
    expect(stats.unknown['PerfInfo/46']).toBe(79528);
  });

  it('Process.etl and KernelNetwork.etl: the Win7 manifest kernel providers', async () => {
    const p = await read('Process');
    expect(p.events.filter((e) => e.type === 'image-load').length).toBe(1115);
    expect(p.stats.unknown).toEqual({ 'EventTrace/0': 1, 'Microsoft-Windows-Kernel-Process#7': 810, 'Microsoft-Windows-Kernel-Process#8': 5088, 'Microsoft-Windows-Kernel-Process#9': 838, 'Microsoft-Windows-Kernel-Process#10': 780 });
    const start = p.events.find((e) => e.type === 'process-start' && String(e.imageName).endsWith('devenv.exe'))!;
    expect(start).toMatchObject({ pid: 5864, ppid: 3324, sessionId: 1 });
    const n = await read('KernelNetwork');
    expect(n.events.filter((e) => e.type === 'tcp-receive').length).toBe(7968 + 134);
    expect(n.events.find((e) => e.type === 'udp-send')).toMatchObject({ saddr: '10.121.106.118', sport: 500, daddr: '157.56.244.38', dport: 500 });
  });
});

describe('the pure-TypeScript reference reader agrees', () => {
  it.each(['ShutdownPerfDiagLogger', 'net.4.5.2.x86'] as const)('%s: the same records, hooks and classic kernel events', async (name) => {
    const ref = walkEtlRef(etlBytes(name));
    const { events, stats } = await read(name);
    expect(ref.records).toBe(stats.walk.records);
    expect(Object.fromEntries([...ref.hooks].map(([h, n]) => [`0x${h.toString(16).padStart(4, '0')}`, n]))).toEqual(stats.hooks);
    const key = (e: Record<string, unknown>) => [e.pid, e.ppid, e.imageName, e.commandLine, e.fileName, e.saddr, e.sport, e.daddr, e.dport, e.sid].map((x) => x ?? '').join('|');
    const classic = events.filter((e) => !String(e.ts).startsWith('x') && !(e.createTime !== undefined)); // the manifest process events are not the reference's
    expect(ref.events.filter((e) => !e.error).map(key)).toEqual(classic.map(key));
  });
});

describe('inputs, filter, raw frames, errors', () => {
  it('reads the same events from a path, bytes and a stream', async () => {
    const a = await readEtl(etlPath('net.4.5.2.x64'));
    const b = await readEtl(etlBytes('net.4.5.2.x64'), { chunkSize: 4096 });
    const c = await readEtl(createReadStream(etlPath('net.4.5.2.x64'), { highWaterMark: 10_000 }));
    expect(b.events).toEqual(a.events);
    expect(c.events).toEqual(a.events);
    expect(c.stats.totalBytes).toBeUndefined();
  });

  it('filters by class, opcode and pid before any object is made, and counts what it dropped', async () => {
    const all = (await read('ShutdownPerfDiagLogger')).events;
    const p = await readEtl(etlPath('ShutdownPerfDiagLogger'), { filter: { classes: ['Process'], opcodes: [2] } });
    expect(p.events.map((e) => e.type)).toEqual(all.filter((e) => e.type === 'process-end').map((e) => e.type));
    expect(p.stats.filtered).toBe(all.length - p.events.length);
    const byPid = await readEtl(etlPath('ShutdownPerfDiagLogger'), { filter: { pids: [6780] } });
    expect(byPid.events.length).toBeGreaterThan(0);
    // the pid an event is about (its payload's, else its header's) is 6780's
    for (const e of byPid.events) expect(e.pid).toBe(6780);
    expect(byPid.events.length).toBe(all.filter((e) => e.pid === 6780).length);
  });

  it('gives every record, known or not, as raw ETW frames', async () => {
    const source = etw.fromEtlRaw(etlPath('lxcore_kernel'));
    const frames: number[] = [];
    await new Promise<void>((resolve, reject) => source.subscribe({ next: (c) => { for (const f of c) frames.push(f.payload.length); }, error: reject, complete: () => resolve() }));
    expect(frames.length).toBe(4);
  });

  it('reads a truncated or damaged file as far as it can through the whole pipeline, counting the rest', async () => {
    const whole = await read('net.4.5.2.x64');
    const cut = await readEtl(etlBytes('net.4.5.2.x64').subarray(0, 2_000_000));
    expect(cut.stats.walk.truncatedBytes).toBeGreaterThan(0);
    expect(cut.events).toEqual(whole.events.slice(0, cut.events.length));
    const damaged = etlBytes('net.4.5.2.x64').slice();
    for (let at = 100_000; at < damaged.length; at += 250_000) damaged[at]! ^= 0x5a; // inside compressed buffers
    const d = await readEtl(damaged);
    expect(d.stats.walk.xpressErrors + d.stats.walk.badRecords + d.stats.walk.badBuffers + totalErrors(d.stats.decodeErrors)).toBeGreaterThan(0);
    expect(d.events.length).toBeGreaterThan(whole.events.length / 2);
  });

  it('refuses bad inputs and options with typed errors', async () => {
    expect(() => etw.fromEtl(42 as never)).toThrow(/input must be a path/);
    expect(() => etw.fromEtl('x.etl', { filter: { classes: ['Nope'] } })).toThrow(/unknown class "Nope"/);
    expect(() => etw.fromEtl('x.etl', { ringCapacity: 4096 })).toThrow(/ringCapacity/);
    await expect(readEtl('/nonexistent/kw12.etl')).rejects.toMatchObject({ code: 'ENATIVE', syscall: 'open' });
    await expect(readEtl(new TextEncoder().encode('not an etl file'.repeat(10)))).rejects.toBeInstanceOf(KwireError);
    await expect(readEtl(new Uint8Array(0))).rejects.toMatchObject({ code: 'EDECODE' });
  });
});
