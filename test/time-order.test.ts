// timeOrder / mergeByTime (issue 15, defect 4): sources each in their own order, merged in time order
// within a bounded reorder window; nothing lost; late items let through and counted.
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { mergeByTime, replay, timeOrder } from 'kwire';
import { repoPath } from './helpers/repo.js';

interface Item {
  t: bigint;
  id: number;
}

const sorted = (xs: Item[]) => xs.every((x, i) => i === 0 || xs[i - 1]!.t <= x.t);

describe('timeOrder', () => {
  it('puts items whose disorder is within the window in order, losing none (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 50 })), { maxLength: 300 }), async (spec) => {
        // arrival order: each item arrives up to 50 time units after its time; window 50
        const items = spec.map(([t, delay], id) => ({ t: BigInt(t), id, arrives: t + delay }));
        const arrival = [...items].sort((a, b) => a.arrives - b.arrives || a.id - b.id).map(({ t, id }) => ({ t, id }));
        let late = 0;
        const out = await lastValueFrom(from(arrival).pipe(timeOrder({ time: (x: Item) => x.t, window: 50n, onLate: () => late++ }), toArray()));
        expect(out).toHaveLength(items.length);
        expect(new Set(out.map((x) => x.id)).size).toBe(items.length);
        expect(late).toBe(0);
        expect(sorted(out)).toBe(true);
      }),
    );
  });

  it('lets an item later than its window through at once, counted; keeps arrival order for equal times', async () => {
    const late: Item[] = [];
    const input = [{ t: 10n, id: 0 }, { t: 10n, id: 1 }, { t: 200n, id: 2 }, { t: 5n, id: 3 }, { t: 300n, id: 4 }];
    const out = await lastValueFrom(from(input).pipe(timeOrder({ time: (x: Item) => x.t, window: 100n, onLate: (x) => late.push(x) }), toArray()));
    expect(out.map((x) => x.id)).toEqual([0, 1, 3, 2, 4]);
    expect(late.map((x) => x.id)).toEqual([3]);
  });

  it('holds at most maxHeld items', async () => {
    const input = Array.from({ length: 10 }, (_, id) => ({ t: BigInt(100 - id), id }));
    const seen: number[] = [];
    from(input).pipe(timeOrder({ time: (x: Item) => x.t, window: 1000n, maxHeld: 3 })).subscribe((x) => seen.push(x.id));
    expect(seen).toHaveLength(10);
  });

  it('mergeByTime merges several sources', async () => {
    const a = from([{ t: 1n, id: 1 }, { t: 4n, id: 4 }]);
    const b = from([{ t: 2n, id: 2 }, { t: 3n, id: 3 }]);
    const out = await lastValueFrom(mergeByTime([a, b], { time: (x: Item) => x.t }).pipe(toArray()));
    expect(out.map((x) => x.id)).toEqual([1, 2, 3, 4]);
  });
});

describe('replay in time order', () => {
  it("merges the bundled capture's exec, exit and flow events in time order by default; 'capture' keeps chunk order", async () => {
    const time = (e: { ts?: bigint; exitTime?: bigint }) => e.ts ?? e.exitTime!;
    const ordered = await lastValueFrom(replay(repoPath('fixtures/capture/host.kwcap')).events<{ type: string; ts?: bigint; exitTime?: bigint }>().pipe(toArray()));
    const inCapture = await lastValueFrom(replay(repoPath('fixtures/capture/host.kwcap'), { order: 'capture' }).events<{ type: string; ts?: bigint; exitTime?: bigint }>().pipe(toArray()));
    expect(ordered).toHaveLength(inCapture.length);
    expect(new Set(ordered.map((e) => e.type))).toEqual(new Set(['exec', 'exit', 'flow']));
    expect(ordered.every((e, i) => i === 0 || time(ordered[i - 1]!) <= time(e))).toBe(true);
    expect(inCapture.every((e, i) => i === 0 || time(inCapture[i - 1]!) <= time(e))).toBe(false); // the defect: chunks of one source after another
  });
});
