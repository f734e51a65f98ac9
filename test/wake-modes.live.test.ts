// Who reads the kernel ring (BpfReaderOptions.wake): the JS thread through a libuv poll handle, the
// poll thread, or either as the rate asks ('adaptive', the default). Each mode delivers every record
// in order when nothing is lost, drains a ring filled before it started (a perf ring's wake-up from
// before the poll handle existed is not lost), accounts for every record when the JS thread stalls,
// honours a latency bound (fewer, larger batches, nothing lost), and closes cleanly when a subscriber
// leaves from inside next().
import { describe, expect, it } from 'vitest';
import { lastValueFrom, take, toArray } from 'rxjs';
import { loadgen, type LoadgenBatch } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';

const seqs = (batches: LoadgenBatch[]) => batches.flatMap((b) => [...b.seq]);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i));
const cases = (['ringbuf', 'perf'] as const).flatMap((transport) => (['adaptive', 'js', 'thread'] as const).map((wake) => ({ transport, wake })));

describe.skipIf(!canRunLive).each(cases)(`wake mode $wake over $transport${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, ({ transport, wake }) => {
  it('delivers every record in order at a low rate and flat out', async () => {
    const fdsBefore = openFdCount();
    const paced = loadgen({ transport, wake, cpu: 0, count: 3000, ratePerSecond: 20_000, chunk: 1 });
    expect(seqs(await lastValueFrom(paced.pipe(toArray())))).toEqual(upTo(3000));
    expect(paced.stats().lost).toEqual({ kernel: 0, ring: 0, undelivered: 0 });
    const flat = loadgen({ transport, wake, cpu: 0, count: 100_000, kernelRingBytes: 16 << 20 });
    expect(seqs(await lastValueFrom(flat.pipe(toArray())))).toEqual(upTo(100_000));
    expect(flat.stats().lost).toEqual({ kernel: 0, ring: 0, undelivered: 0 });
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('drains a ring filled before it started', async () => {
    const source = loadgen({ transport, wake, cpu: 0, count: 20_000, prefill: true, kernelRingBytes: 4 << 20 });
    expect(seqs(await lastValueFrom(source.pipe(toArray())))).toEqual(upTo(20_000));
    expect(source.stats()).toMatchObject({ received: 20_000, lost: { kernel: 0, ring: 0 } });
  });

  it('accounts for every record when the JS thread stalls: received + lost = generated', async () => {
    const source = loadgen({ transport, wake, cpu: 0, count: 200_000, kernelRingBytes: 64 << 10, ringCapacity: 64 << 10, batchSize: 256, perf: { pageCount: 16 } });
    const batches: LoadgenBatch[] = [];
    await new Promise<void>((resolve, reject) =>
      source.subscribe({
        next: (b) => {
          if (batches.push(b) === 1) for (const until = Date.now() + 300; Date.now() < until; ); // the stall
        },
        complete: resolve,
        error: reject,
      }),
    );
    const stats = source.stats();
    expect(stats.lost.kernel).toBeGreaterThan(0);
    expect(stats.received + stats.lost.kernel).toBe(stats.generated);
    const got = seqs(batches); // in order, without duplicates
    expect(got).toHaveLength(stats.received);
    for (let i = 1; i < got.length; i++) expect(got[i]! > got[i - 1]!).toBe(true);
  });

  it('with a latency bound, delivers a paced stream in order in fewer, larger batches', async () => {
    const source = loadgen({ transport, wake, cpu: 0, count: 4000, ratePerSecond: 20_000, chunk: 1, latencyBoundMs: 30 });
    const batches = await lastValueFrom(source.pipe(toArray()));
    expect(seqs(batches)).toEqual(upTo(4000));
    expect(source.stats().lost).toEqual({ kernel: 0, ring: 0, undelivered: 0 });
    // 'thread' ignores the bound (the poll thread coalesces on its own); the JS thread reads at most
    // every 30 ms, so the 0.2 s stream comes in far fewer batches than records.
    if (wake !== 'thread') expect(batches.length).toBeLessThan(4000 / 10);
  });

  it('closes cleanly when the subscriber leaves from inside next()', async () => {
    const fdsBefore = openFdCount();
    const source = loadgen({ transport, wake, cpu: 0, count: 10_000, ratePerSecond: 50_000, chunk: 10 });
    const first = await lastValueFrom(source.pipe(take(3), toArray()));
    expect(first).toHaveLength(3);
    // The generator's last call ends on its own (0.2 s); then everything is closed. A wake-up queued
    // after close must find nothing (no crash).
    for (const until = Date.now() + 3000; openFdCount() !== fdsBefore && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(openFdCount()).toBe(fdsBefore);
  });
});
