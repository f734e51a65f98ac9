// Live flow accounting in two network namespaces this test creates (kwt-<random>-a/b, veth between,
// deleted in afterAll): counters agree with the kernel's own conntrack accounting, destroy records
// carry the final counters, the curve paces updates, 10 000 flows are all accounted, a full table is
// counted, consumers share one probe with their own stats.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import { flows, type FlowConsumer, type FlowEvent } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';
import { conntrackList, createNetnsPair, type ConntrackEntry, type NetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';

const traffic = repoPath('test/helpers/traffic.py');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const v = get();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Collects every event of a consumer. */
function collect(source: FlowConsumer): { events: FlowEvent[]; sub: Subscription } {
  const events: FlowEvent[] = [];
  const sub = source.subscribe((b) => {
    for (const e of b) events.push(e);
  });
  return { events, sub };
}

const protoNames: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** The conntrack entry of the same flow (same namespace, proto, original addresses and ports). */
function sameFlow(entries: ConntrackEntry[], e: FlowEvent): ConntrackEntry | undefined {
  return entries.find(
    (c) => c.proto === protoNames[e.proto] && c.orig.src === e.srcAddr && c.orig.dst === e.dstAddr && (c.orig.sport ?? 0) === e.srcPort && (c.orig.dport ?? 0) === e.dstPort,
  );
}

const counters = (e: FlowEvent) => [e.packetsOrig, e.bytesOrig, e.packetsRet, e.bytesRet];
const ctCounters = (c: ConntrackEntry) => [c.orig.packets, c.orig.bytes, c.reply.packets, c.reply.bytes];

describe.skipIf(!canRunLive)(`flows, live in network namespaces${liveSkipReason ? ` (skipped: ${liveSkipReason})` : ''}`, () => {
  let pair: NetnsPair;
  let nsA = 0;
  let nsB = 0;
  let fdsBefore = 0;
  let main: ReturnType<typeof collect>;
  let source: FlowConsumer;
  const inPair = (e: FlowEvent) => e.netns === nsA || e.netns === nsB;

  beforeAll(() => {
    fdsBefore = openFdCount();
    pair = createNetnsPair();
    nsA = pair.inode(pair.a);
    nsB = pair.inode(pair.b);
    source = flows({ idleTimeout: 1000, tableSize: 32_768 });
    main = collect(source);
  });

  afterAll(() => {
    main?.sub.unsubscribe();
    pair?.cleanup();
  });

  const destroyOf = (ns: number, proto: number, dstPort: number, dstAddr: string) =>
    main.events.find((e) => e.kind === 'destroy' && e.netns === ns && e.proto === proto && e.dstPort === dstPort && e.dstAddr === dstAddr);

  async function serve(mode: string, args: string[]) {
    const server = pair.start(pair.b, 'python3', [traffic, mode, ...args]);
    await once(server.stdout!, 'data');
    return server;
  }

  for (const family of ['v4', 'v6'] as const) {
    it(`TCP over ${family}: a known payload, counters equal conntrack's on both ends, destroy after close`, async () => {
      const port = family === 'v4' ? 5101 : 5102;
      const server = await serve('tcp-server', [String(port), '300000']);
      const got = pair.run(pair.a, 'python3', [traffic, 'tcp-client', pair[family].b, String(port), '200000']);
      expect(Number(got)).toBe(300_000);
      await once(server, 'exit');
      const dst = pair[family].b;
      const [a, b] = await waitFor('both destroy records', () => {
        const a = destroyOf(nsA, 6, port, dst);
        const b = destroyOf(nsB, 6, port, dst);
        return a && b ? [a, b] : undefined;
      });
      for (const [e, ns] of [[a, pair.a], [b, pair.b]] as const) {
        const ct = sameFlow(conntrackList(pair, ns), e);
        expect(ct, `conntrack entry in ${ns}`).toBeDefined();
        expect(counters(e)).toEqual(ctCounters(ct!));
        expect(e.srcAddr).toBe(pair[family].a);
      }
      expect(a.bytesOrig).toBeGreaterThan(200_000);
      expect(a.bytesRet).toBeGreaterThan(300_000);
      // updates before the destroy never exceed its final counters
      const updates = main.events.filter((e) => e.kind === 'update' && e.cookie === a.cookie);
      expect(updates.length).toBeGreaterThan(0);
      for (const u of updates) expect(u.packetsOrig).toBeLessThanOrEqual(a.packetsOrig);
    });

    it(`UDP over ${family}: datagrams of known sizes, counters equal conntrack's, destroy after the idle timeout`, async () => {
      const port = family === 'v4' ? 5201 : 5202;
      const sizes = [1, 100, 1000, 1400];
      const server = await serve('udp-server', [String(port), String(sizes.length)]);
      pair.run(pair.a, 'python3', [traffic, 'udp-client', pair[family].b, String(port), ...sizes.map(String)]);
      await once(server, 'exit');
      const l3 = (n: number) => n + 8 + (family === 'v4' ? 20 : 40);
      const dst = pair[family].b;
      const a = await waitFor('the idle destroy', () => destroyOf(nsA, 17, port, dst));
      const b = await waitFor('the idle destroy', () => destroyOf(nsB, 17, port, dst));
      const expected = [4, sizes.reduce((s, n) => s + l3(n), 0), 4, sizes.reduce((s, n) => s + l3(n), 0)];
      expect(counters(a)).toEqual(expected);
      expect(counters(b)).toEqual(expected);
      for (const [e, ns] of [[a, pair.a], [b, pair.b]] as const) expect(ctCounters(sameFlow(conntrackList(pair, ns), e)!)).toEqual(expected);
    });

    it(`ICMP echo over ${family}: counters equal conntrack's on both ends`, async () => {
      const dst = pair[family].b;
      pair.run(pair.a, 'ping', [family === 'v4' ? '-4' : '-6', '-c', '3', '-i', '0.2', '-s', '100', dst]);
      const proto = family === 'v4' ? 1 : 58;
      const a = await waitFor('the idle destroy', () => destroyOf(nsA, proto, 0, dst));
      const b = await waitFor('the idle destroy', () => destroyOf(nsB, proto, 0, dst));
      const size = 100 + 8 + (family === 'v4' ? 20 : 40);
      expect(counters(a)).toEqual([3, 3 * size, 3, 3 * size]);
      expect(counters(b)).toEqual([3, 3 * size, 3, 3 * size]);
      for (const [e, ns] of [[a, pair.a], [b, pair.b]] as const) expect(ctCounters(sameFlow(conntrackList(pair, ns), e)!)).toEqual(counters(e));
    });
  }

  it('TCP over loopback inside a namespace: each packet once, equal to conntrack, one destroy after both sockets close', async () => {
    const server = pair.start(pair.a, 'python3', [traffic, 'tcp-server', '5301', '50000']);
    await once(server.stdout!, 'data');
    pair.run(pair.a, 'python3', [traffic, 'tcp-client', '127.0.0.1', '5301', '70000']);
    await once(server, 'exit');
    const e = await waitFor('the destroy', () => destroyOf(nsA, 6, 5301, '127.0.0.1'));
    expect(counters(e)).toEqual(ctCounters(sameFlow(conntrackList(pair, pair.a), e)!));
    await sleep(300);
    expect(main.events.filter((x) => x.kind === 'destroy' && x.netns === nsA && x.dstPort === 5301)).toHaveLength(1);
  });

  it('a refused TCP connection over loopback ends with a destroy: its SYN and the RST', async () => {
    // Nothing listens on 5302: the kernel answers the SYN with a RST and the client socket closes from
    // SYN_SENT, with no peer socket to wait for.
    pair.run(pair.a, 'python3', ['-c', 'import socket\ntry:\n  socket.create_connection(("127.0.0.1", 5302), timeout=2)\nexcept OSError:\n  pass']);
    const e = await waitFor('the destroy', () => destroyOf(nsA, 6, 5302, '127.0.0.1'));
    // conntrack kills an unassured connection on its RST, so it keeps no entry to compare with: a Linux
    // SYN is 60 bytes at L3 (20 IP + 20 TCP + 20 of options), the RST 40.
    expect(counters(e)).toEqual([1, 60, 1, 40]);
  });

  it('a short curve rate-limits the updates of a steady flow phase by phase', async () => {
    const curve = [{ age: 0, rate: 100 }, { age: 1000, rate: 500 }, { age: 2000, rate: 1000 }] as const;
    const curved = flows({ mode: 'update', curve, idleTimeout: 5000 });
    const c = collect(curved);
    try {
      const sink = await serve('udp-sink', ['5401', '5']);
      const out = pair.run(pair.a, 'python3', [traffic, 'udp-steady', pair.v4.b, '5401', '3.5', '20']);
      sink.kill();
      await sleep(200);
      // The sender reports its largest gap between two datagrams: under load it can exceed 20 ms.
      const maxGapMs = Number(/maxgap ([\d.]+)/.exec(out)![1]);
      const ours = c.events.filter((e) => e.netns === nsA && e.dstPort === 5401);
      expect(ours.every((e) => e.kind === 'update')).toBe(true);
      const t0 = ours[0]!.ts; // the first packet is always reported
      const ms = (ns: bigint) => Number(ns) / 1e6;
      const rateAt = (ageMs: number) => (ageMs < 1000 ? 100 : ageMs < 2000 ? 500 : 1000);
      // Each update comes at the first packet once its phase's rate has elapsed since the last one:
      // never sooner than the rate, never later than the rate plus one gap between packets.
      for (let i = 1; i < ours.length; i++) {
        const gap = ms(ours[i]!.ts - ours[i - 1]!.ts);
        const rate = rateAt(ms(ours[i]!.ts - t0));
        expect(gap, `update ${i}`).toBeGreaterThanOrEqual(rate);
        expect(gap, `update ${i}`).toBeLessThanOrEqual(rate + maxGapMs + 25);
      }
      // 3.5 s of packets: ~10 updates below 1 s, ~2 to 2 s, ~1-2 after.
      const phase = (lo: number, hi: number) => ours.filter((e) => ms(e.ts - t0) >= lo && ms(e.ts - t0) < hi).length;
      expect(phase(0, 1000)).toBeGreaterThanOrEqual(Math.floor(1000 / (100 + maxGapMs + 25)));
      expect(phase(0, 1000)).toBeLessThanOrEqual(10);
      expect(phase(1000, 2000)).toBeLessThanOrEqual(2);
      expect(phase(2000, 4000)).toBeLessThanOrEqual(2);
    } finally {
      c.sub.unsubscribe();
    }
  });

  it('10 000 concurrent short UDP flows are all accounted', async () => {
    const sink = await serve('udp-sink', ['5501', '30']);
    try {
      pair.run(pair.a, 'python3', [traffic, 'udp-many', pair.v4.b, '5501', '10000', '20000']);
      const ports = (ns: number) => new Set(main.events.filter((e) => e.netns === ns && e.proto === 17 && e.dstPort === 5501).map((e) => e.srcPort));
      await waitFor('10 000 flows in each namespace', () => (ports(nsA).size === 10_000 && ports(nsB).size === 10_000 ? true : undefined));
      const stats = source.stats();
      expect(stats.probe.tableFull).toBe(0);
      expect(stats.probe.kernelDrops).toEqual({ update: 0, destroy: 0 });
    } finally {
      sink.kill();
    }
  });

  it('when the flow table is full the loss is counted, not silent', async () => {
    const small = flows({ tableSize: 1000, idleTimeout: 60_000 });
    const c = collect(small);
    const sink = await serve('udp-sink', ['5601', '30']);
    try {
      pair.run(pair.a, 'python3', [traffic, 'udp-many', pair.v4.b, '5601', '3000', '30000']);
      await sleep(500);
      const tracked = c.events.filter((e) => e.kind === 'update' && inPair(e) && e.dstPort === 5601).length;
      const { probe } = small.stats();
      expect(tracked).toBeLessThanOrEqual(1000);
      expect(probe.tableFull).toBeGreaterThan(0);
      expect(tracked + probe.tableFull).toBeGreaterThanOrEqual(6000); // every packet of a flow left out is counted
    } finally {
      sink.kill();
      c.sub.unsubscribe();
    }
  });

  it('consumers with different modes share one probe, each with its own stats', async () => {
    const opts = { idleTimeout: 500, tableSize: 4096 } as const;
    const updates = flows({ ...opts, mode: 'update' });
    const destroys = flows({ ...opts, mode: 'destroy' });
    const starved = flows({ ...opts, mode: 'all', maxQueue: 0 });
    const [u, d, s] = [collect(updates), collect(destroys), collect(starved)];
    try {
      pair.run(pair.a, 'ping', ['-c', '2', '-i', '0.2', pair.v4.b]);
      await waitFor('a destroy', () => (d.events.some(inPair) ? true : undefined));
      expect(u.events.every((e) => e.kind === 'update')).toBe(true);
      expect(d.events.every((e) => e.kind === 'destroy')).toBe(true);
      expect(u.events.some(inPair)).toBe(true);
      const [us, ds, ss] = [updates.stats(), destroys.stats(), starved.stats()];
      expect(us.probe.records).toBe(ds.probe.records); // one probe
      expect(us.consumer.received).toBe(u.events.length);
      expect(ds.consumer.received).toBe(d.events.length);
      expect(us.consumer.received + ds.consumer.received).toBe(us.probe.records);
      expect(ss.consumer).toEqual({ received: 0, lost: us.probe.records, queueLength: 0 });
    } finally {
      for (const x of [u, d, s]) x.sub.unsubscribe();
    }
  });

  it('leaves no file descriptor open once every consumer unsubscribed', async () => {
    main.sub.unsubscribe();
    await sleep(100);
    expect(openFdCount()).toBeLessThanOrEqual(fdsBefore);
  });
});
