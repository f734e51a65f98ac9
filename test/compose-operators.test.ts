// health(), newFlows(), longLivedFlows(), Enricher and enrich(): marble tests on virtual time for the
// readings and the caches' age bounds; size bounds and counted misses.
import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Enricher, cgroupInfo, enrich, health, longLivedFlows, newFlows, type SourceStats } from 'kwire';
import { flowBatch } from './helpers/flow-batches.js';

const scheduler = () => new TestScheduler((a, b) => expect(a).toEqual(b));
const stats = (received: number, kernel = 0, queueLength = 0): SourceStats => ({ received, batches: 0, lost: { kernel, ring: 0 }, decodeErrors: { TRUNCATED: 0 }, queueLength, ringCapacity: 4096, ringFullWaits: 0 });

describe('health (marbles)', () => {
  it('turns counters into rates, losses by cause, loss ratio and queue fill, every interval', () => {
    scheduler().run(({ expectObservable }) => {
      const readings = [stats(0), stats(1000), stats(3000, 500, 1024), stats(3000, 500)];
      let n = 0;
      const exec = { stats: () => readings[Math.min(n++, readings.length - 1)]! };
      const out = health({ exec }, { interval: 1000 }).pipe(map(([h]) => [h!.receivedPerSecond, h!.lostPerSecond.kernel, h!.lossRatio, h!.queueFill]));
      expectObservable(out, '3500ms !').toBe('1000ms a 999ms b 999ms c', { a: [1000, 0, 0, 0], b: [2000, 500, 0.2, 0.25], c: [0, 0, 0, 0] });
    });
  });

  it('reads flows() stats: consumer queue losses and probe table losses as causes of their own', () => {
    scheduler().run(({ expectObservable }) => {
      const probe = { ...stats(10), records: 10, bytes: 0, packets: 0, kernelDrops: { update: 0, destroy: 0 }, tableFull: 3 };
      const flows = { stats: () => ({ consumer: { received: 10, lost: 2, queueLength: 0 }, probe }) };
      expectObservable(health({ flows }, { interval: 100 }).pipe(map(([h]) => h!.lost)), '150ms !').toBe('100ms a', { a: { kernel: 0, ring: 0, decode: 0, queue: 2, table: 3 } });
    });
  });

  it('refuses a source without stats()', () => {
    expect(() => health({ x: {} as never })).toThrow(/sources.x must have a stats\(\) method/);
  });
});

describe('flow detectors (marbles)', () => {
  it('newFlows: the first record of each flow, again after its destroy; bounded, evictions counted', () => {
    const stats = { tracked: 0, evicted: 0 };
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold('a 9ms b', {
        a: flowBatch([{ cookie: 1, dstPort: 1 }, { cookie: 1, dstPort: 1 }, { cookie: 2, dstPort: 2 }, { cookie: 3, dstPort: 3 }]),
        b: flowBatch([{ cookie: 1, dstPort: 1 }, { cookie: 2, dstPort: 2, kind: 'destroy' }, { cookie: 2, dstPort: 2 }]),
      });
      expectObservable(input.pipe(newFlows({ maxFlows: 2, stats }), map((e) => e.cookie))).toBe('(xyz) 5ms (wvu)', { x: 1, y: 2, z: 3, w: 1, v: 2, u: 2 });
      // 1 was forgotten for room, so it reads as new; so was 2, whose destroy (its only record known) is new, then its next record
    });
    expect(stats).toEqual({ tracked: 2, evicted: 3 });
  });

  it('longLivedFlows: once per flow at or past the age, by the record time against the flow start', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const s = 1_000_000_000n;
      const input = cold('ab', {
        a: flowBatch([{ cookie: 1, start: 0n, ts: 30n * s }, { cookie: 2, start: 0n, ts: 90n * s }]),
        b: flowBatch([{ cookie: 1, start: 0n, ts: 61n * s }, { cookie: 1, start: 0n, ts: 70n * s }, { cookie: 2, start: 0n, ts: 95n * s, kind: 'destroy' }]),
      });
      expectObservable(input.pipe(longLivedFlows({ age: 60_000, bootTime: 0n }), map((e) => e.cookie))).toBe('xy', { x: 2, y: 1 });
    });
  });
});

describe('Enricher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kw17-enrich-'));
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nkw17:x:1717:1717::/home/kw17:/bin/sh\n');
  const cg = join(dir, 'cgroup');
  mkdirSync(join(cg, 'system.slice', `docker-${'ab'.repeat(32)}.scope`), { recursive: true });

  it('uid → name, cached for ttl (virtual time), misses counted and re-read at most once per interval', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const e = new Enricher({ passwd, ttl: 1000, rereadInterval: 500, cgroupRoot: cg });
      const lookups = cold('a 499ms b 500ms c', { a: 1717, b: 4242, c: 1717 }).pipe(map((uid) => e.user(uid) ?? null));
      expectObservable(lookups).toBe('a 499ms b 500ms c', { a: 'kw17', b: null, c: 'kw17' });
    });
  });

  it('expiry and size bounds are counted', () => {
    let now = 0;
    const clock = { now: () => now, schedule: () => { throw new Error('unused'); } };
    const e = new Enricher({ passwd, ttl: 1000, maxEntries: 1, rereadInterval: 0, cgroupRoot: cg, scheduler: clock as never });
    expect(e.user(0)).toBe('root'); // a load: the file read fills the cache (one entry: kw17 evicted)
    expect(e.user(0)).toBe('root');
    now = 2000;
    expect(e.user(0)).toBe('root'); // expired, read again
    expect(e.user(99)).toBeUndefined();
    expect(e.stats().user).toMatchObject({ hits: 1, loads: 2, misses: 1, size: 1 });
    expect(e.stats().user.evictions).toBeGreaterThan(0);
    expect(e.stats().user.expirations).toBeGreaterThan(0);
  });

  it('cgroup id → path, container and unit; enrich() adds them to events', () => {
    const e = new Enricher({ passwd, cgroupRoot: cg });
    const { statSync } = require('node:fs') as typeof import('node:fs');
    const id = statSync(join(cg, 'system.slice', `docker-${'ab'.repeat(32)}.scope`), { bigint: true }).ino;
    expect(e.cgroup(id)).toEqual({ id, path: `/system.slice/docker-${'ab'.repeat(32)}.scope`, container: { runtime: 'docker', id: 'ab'.repeat(32) }, unit: `docker-${'ab'.repeat(32)}.scope`, slice: 'system.slice' });
    expect(e.cgroup(1n)).toBeUndefined();
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a', { a: { cgroupId: id, uid: 1717, pid: process.pid } }).pipe(enrich(e), map((x) => [x.container?.runtime, x.user, typeof x.exe]))).toBe('a', { a: ['docker', 'kw17', 'string'] });
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['/system.slice/docker-' + 'a'.repeat(64) + '.scope', 'docker'],
    ['/docker/' + 'b'.repeat(64), 'docker'],
    ['/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_1111_2222_3333_444455556666.slice/cri-containerd-' + 'c'.repeat(64) + '.scope', 'containerd'],
    ['/kubepods/besteffort/pod0a1b2c3d-1111-2222-3333-444455556666/' + 'd'.repeat(64), 'containerd'],
    ['/machine.slice/crio-' + 'e'.repeat(64) + '.scope', 'cri-o'],
    ['/machine.slice/libpod-' + 'f'.repeat(64) + '.scope', 'podman'],
    ['/user.slice/user-1000.slice/session-3.scope', undefined],
  ])('cgroupInfo(%s) → %s', (path, runtime) => {
    const info = cgroupInfo(1n, path);
    expect(info.container?.runtime).toBe(runtime);
    if (runtime) expect(info.container!.id).toMatch(/^[0-9a-f]{64}$/);
    if (path.includes('kubepods')) expect(info.container!.pod).toBe('0a1b2c3d-1111-2222-3333-444455556666');
    if (path.startsWith('/user.slice')) expect(info).toMatchObject({ unit: 'session-3.scope', slice: 'user-1000.slice' });
  });
});
