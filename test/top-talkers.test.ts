// topTalkers(): sums per key over tumbling and sliding windows (marble tests on virtual time), the
// deltas of cumulative flow counters, and the bounds on keys and flows.
import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { from, map, lastValueFrom, toArray } from 'rxjs';
import fc from 'fast-check';
import { topTalkers, type TopTalkers } from 'kwire';
import { flowBatch, type FlowRow } from './helpers/flow-batches.js';

const scheduler = () => new TestScheduler((a, b) => { if (process.env.SHOW) console.log(JSON.stringify(a)); expect(a).toEqual(b); });
const brief = (t: TopTalkers) => ({ start: t.start, end: t.end, rows: t.rows.map((r) => [r.key.dstPort, r.bytes, r.packets]) });

describe('topTalkers windows (marbles)', () => {
  it('tumbling: each window sums what each flow added in it, ranked by bytes, and rates are per second', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const batches = {
        a: flowBatch([{ cookie: 1, dstPort: 80, bytesOrig: 100, packetsOrig: 1 }, { cookie: 2, dstPort: 443, bytesOrig: 50, packetsOrig: 1 }]),
        b: flowBatch([{ cookie: 1, dstPort: 80, bytesOrig: 150, packetsOrig: 2 }, { cookie: 2, dstPort: 443, bytesOrig: 1050, packetsOrig: 3, bytesRet: 10, packetsRet: 1 }]),
        c: flowBatch([{ cookie: 2, dstPort: 443, kind: 'destroy', bytesOrig: 1050, packetsOrig: 3, bytesRet: 10, packetsRet: 1 }]),
      };
      const out = cold('a 400ms b 599ms c 1000ms |', batches).pipe(topTalkers({ by: ['dstPort'], window: 1000 }), map(brief));
      expectObservable(out).toBe('1000ms x 999ms y 1ms (z|)', {
        x: { start: 0, end: 1000, rows: [[443, 1060, 4], [80, 150, 2]] },
        y: { start: 1000, end: 2000, rows: [[443, 0, 0]] },
        z: { start: 2000, end: 2002, rows: [] },
      });
    });
  });

  it('sliding: every step reports the last window, adding the new step and dropping the oldest', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const batches = {
        a: flowBatch([{ cookie: 1, dstPort: 80, bytesOrig: 100, packetsOrig: 1 }]),
        b: flowBatch([{ cookie: 1, dstPort: 80, bytesOrig: 300, packetsOrig: 2 }]),
      };
      const out = cold('a 1000ms b 2999ms |', batches).pipe(topTalkers({ by: ['dstPort'], window: 2000, every: 1000 }), map(brief));
      expectObservable(out).toBe('1000ms s 999ms t 999ms u 999ms v (w|)', {
        s: { start: 0, end: 1000, rows: [[80, 100, 1]] },
        t: { start: 0, end: 2000, rows: [[80, 300, 2]] },
        u: { start: 1000, end: 3000, rows: [[80, 200, 1]] },
        v: { start: 2000, end: 4000, rows: [] },
        w: { start: 2001, end: 4001, rows: [] },
      });
    });
  });

  it('keys by any columns: addresses as text, ports, proto and netns as numbers; limit and sort', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const rows: FlowRow[] = [
        { cookie: 1, srcAddr: '10.1.0.1', dstAddr: 'fd00::2', dstPort: 53, proto: 17, netns: 7, bytesOrig: 10, packetsOrig: 9 },
        { cookie: 2, srcAddr: '10.1.0.1', dstAddr: 'fd00::2', dstPort: 53, proto: 17, netns: 7, bytesOrig: 20, packetsOrig: 1 },
        { cookie: 3, srcAddr: '10.1.0.3', dstAddr: '10.9.9.9', dstPort: 22, proto: 6, netns: 8, bytesOrig: 25, packetsOrig: 2 },
      ];
      const out = cold('a |', { a: flowBatch(rows) }).pipe(topTalkers({ by: ['srcAddr', 'dstAddr', 'dstPort', 'proto', 'netns'], sort: 'packets', limit: 1 }),
        map((t) => ({ keys: t.keys, rows: t.rows.map((r) => ({ key: r.key, bytes: r.bytes, packets: r.packets, records: r.records, perSecond: [r.bytesPerSecond, r.packetsPerSecond] })) })));
      expectObservable(out).toBe('-(x|)', {
        x: { keys: 2, rows: [{ key: { srcAddr: '10.1.0.1', dstAddr: 'fd00::2', dstPort: 53, proto: 17, netns: 7 }, bytes: 30, packets: 10, records: 2, perSecond: [30_000, 10_000] }] }, // over the 1 ms the input lasted
      });
    });
  });

  it('bounds: keys beyond maxKeys and flows beyond maxFlows are counted, never summed out of bounds', async () => {
    const rows = Array.from({ length: 200 }, (_, i): FlowRow => ({ cookie: i + 1, dstPort: 1000 + i, bytesOrig: 10 }));
    const [t] = await lastValueFrom(from([flowBatch(rows)]).pipe(topTalkers({ by: ['dstPort'], maxKeys: 16, maxFlows: 16, limit: 1000 }), toArray()));
    expect(t!.keys).toBeLessThanOrEqual(24);
    expect(t!.keys + t!.dropped.keys).toBe(200);
    expect(t!.dropped.flows).toBeGreaterThan(0);
    expect(t!.flows).toBeLessThanOrEqual(24);
  });

  it('flows that end (destroy) leave no trace: a long window of short flows never fills the flow table', async () => {
    const rows: FlowRow[] = [];
    for (let cookie = 1; cookie <= 5000; cookie++) rows.push({ cookie, dstPort: cookie % 3, bytesOrig: 10 }, { cookie, dstPort: cookie % 3, bytesOrig: 15, kind: 'destroy' });
    const batches = [];
    for (let i = 0; i < rows.length; i += 100) batches.push(flowBatch(rows.slice(i, i + 100)));
    const [t] = await lastValueFrom(from(batches).pipe(topTalkers({ by: ['dstPort'], maxFlows: 64 }), toArray()));
    expect(t!.dropped).toEqual({ keys: 0, flows: 0, flowsEvicted: 0 });
    expect(t!.flows).toBe(0);
    expect(t!.rows.reduce((a, r) => a + r.bytes, 0)).toBe(5000 * 15);
  });

  it('idle flows (destroy lost) are forgotten after idleSteps steps, and counted', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('a 5000ms |', { a: flowBatch([{ cookie: 9, bytesOrig: 1 }, { cookie: 10, bytesOrig: 1, kind: 'destroy' }]) })
        .pipe(topTalkers({ window: 1000, idleSteps: 2 }), map((t) => [t.flows, t.dropped.flowsEvicted]));
      expectObservable(out).toBe('1000ms a 999ms b 999ms c 999ms d 999ms e (f|)', { a: [1, 0], b: [1, 0], c: [0, 1], d: [0, 1], e: [0, 1], f: [0, 1] });
    });
  });

  it('bad options are refused before anything runs', () => {
    expect(() => topTalkers({ window: 1000, every: 300 })).toThrow(/every must be a positive integer of milliseconds that divides window \(1000\)/);
    expect(() => topTalkers({ by: [] })).toThrow(/by must name 1 to 8 columns/);
    expect(() => topTalkers({ sort: 'size' as never })).toThrow(/sort must be/);
  });

  it('a by column the batches lack ends the stream with EINVAL_ARGUMENT', async () => {
    await expect(lastValueFrom(from([flowBatch([{ cookie: 1 }])]).pipe(topTalkers({ by: ['pid'] })))).rejects.toThrow(/by: 'pid' is not a column/);
  });
});

describe('topTalkers sums (property)', () => {
  it.each([[40, 48], [8, 8]])('with %i flows ending and starting again under the same cookies (maxFlows %i), every sum equals a model\'s (lookups survive deletions, clusters that wrap too)', async (flows, maxFlows) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ flow: fc.integer({ min: 1, max: flows }), add: fc.integer({ min: 0, max: 100 }), destroy: fc.boolean() }), { maxLength: 400 }), async (steps) => {
        const totals = new Map<number, number>();
        const want = new Map<number, number>();
        const rows = steps.map(({ flow, add, destroy }): FlowRow => {
          const total = (totals.get(flow) ?? 0) + add;
          want.set(flow % 5, (want.get(flow % 5) ?? 0) + add);
          if (destroy) totals.delete(flow);
          else totals.set(flow, total);
          return { cookie: flow * 7919, dstPort: flow % 5, bytesOrig: total, kind: destroy ? 'destroy' : 'update' };
        });
        const results = await lastValueFrom(from([flowBatch(rows)]).pipe(topTalkers({ by: ['dstPort'], limit: 100, maxFlows }), toArray()));
        const got = new Map<number, number>();
        for (const r of results[0]!.rows) got.set(r.key.dstPort as number, r.bytes);
        for (const [port, bytes] of want) expect(got.get(port) ?? 0).toBe(bytes);
        expect(results[0]!.flows).toBe(totals.size);
        expect(results[0]!.dropped).toEqual({ keys: 0, flows: 0, flowsEvicted: 0 });
      }),
      { numRuns: 300 },
    );
  });

  it('per key, the sum over windows equals each flow\'s last counters, whatever the batching', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ flow: fc.integer({ min: 1, max: 12 }), add: fc.integer({ min: 0, max: 5000 }) }), { maxLength: 200 }), fc.integer({ min: 1, max: 50 }), async (steps, size) => {
        const totals = new Map<number, number>();
        const rows = steps.map(({ flow, add }): FlowRow => {
          totals.set(flow, (totals.get(flow) ?? 0) + add);
          return { cookie: flow, dstPort: flow % 4, bytesOrig: totals.get(flow)!, packetsOrig: 1 };
        });
        const batches = [];
        for (let i = 0; i < rows.length; i += size) batches.push(flowBatch(rows.slice(i, i + size)));
        const results = await lastValueFrom(from(batches).pipe(topTalkers({ by: ['dstPort'], limit: 100 }), toArray()));
        const got = new Map<number, number>();
        for (const t of results) for (const r of t.rows) got.set(r.key.dstPort as number, (got.get(r.key.dstPort as number) ?? 0) + r.bytes);
        const want = new Map<number, number>();
        for (const [flow, total] of totals) want.set(flow % 4, (want.get(flow % 4) ?? 0) + total);
        for (const [port, bytes] of want) expect(got.get(port) ?? 0).toBe(bytes);
      }),
      { numRuns: 50 },
    );
  });
});

describe("topTalkers({ time: 'records' }): windows by the records' own times", () => {
  const ms = 1_000_000n;
  it('steps end at records past them (in one batch too), empty steps between are reported, the last ends at its last record', async () => {
    const batch = flowBatch([
      { cookie: 1, dstPort: 80, bytesOrig: 100, ts: 1000n * ms },
      { cookie: 1, dstPort: 80, bytesOrig: 150, ts: 1500n * ms },
      { cookie: 2, dstPort: 443, bytesOrig: 70, ts: 2100n * ms }, // ends [1000, 2000)
      { cookie: 2, dstPort: 443, bytesOrig: 90, ts: 4200n * ms }, // ends [2000, 3000) and the empty [3000, 4000)
    ]);
    const out = await lastValueFrom(from([batch]).pipe(topTalkers({ by: ['dstPort'], window: 1000, time: 'records' }), map((t) => [t.start, t.end, t.rows.map((r) => [r.key.dstPort, r.bytes, r.bytesPerSecond])]), toArray()));
    expect(out).toEqual([
      [1000, 2000, [[80, 150, 150]]],
      [2000, 3000, [[443, 70, 70]]],
      [3000, 4000, []],
      [4000, 4200, [[443, 20, 100]]],
    ]);
  });

  it('sliding by record time, and the same sums whatever the batching', async () => {
    const rows: FlowRow[] = Array.from({ length: 60 }, (_, i) => ({ cookie: 1 + (i % 3), dstPort: i % 3, bytesOrig: 10 * (Math.floor(i / 3) + 1), ts: BigInt(i * 100) * ms }));
    const run = (size: number) => {
      const batches = [];
      for (let i = 0; i < rows.length; i += size) batches.push(flowBatch(rows.slice(i, i + size)));
      return lastValueFrom(from(batches).pipe(topTalkers({ by: ['dstPort'], window: 2000, every: 500, time: 'records' }), map((t) => [t.start, t.end, t.rows.map((r) => [r.key.dstPort, r.bytes]).sort()]), toArray()));
    };
    const one = await run(60);
    expect(await run(7)).toEqual(one);
    expect(await run(1)).toEqual(one);
    expect(one[5]).toEqual([1000, 3000, [[0, 60], [1, 70], [2, 70]]]); // records 10..29: 6, 7 and 7 of 10 bytes
  });

  it('refuses batches without a ts column', async () => {
    const { ts: _ts, ...noTs } = flowBatch([{ cookie: 1 }]);
    await expect(lastValueFrom(from([noTs]).pipe(topTalkers({ time: 'records' })))).rejects.toThrow(/time: 'records' needs batches with a ts column/);
  });
});
