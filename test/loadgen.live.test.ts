// Live: the loadgen program through both transports, the addon, the shared ring and the decoder.
// Sequence numbers arrive complete and in order per CPU when nothing is lost; with the consumer
// stalled, losses appear in stats with their cause, and received + lost = generated. A reader opened
// paused lets the kernel rings fill first.
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { loadgen, type LoadgenBatch, type LoadgenStats } from 'kwire';
import { canRunLive, liveSkipReason, openFdCount } from './helpers/live.js';

/** Per CPU, the sequence numbers received, in arrival order. */
function sequencesByCpu(batches: LoadgenBatch[]): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>();
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const seqs = out.get(b.cpu[i]!) ?? [];
      if (seqs.length === 0) out.set(b.cpu[i]!, seqs);
      seqs.push(b.seq[i]!);
    }
  }
  return out;
}

describe.skipIf(!canRunLive).each(['ringbuf', 'perf'] as const)(`live loadgen over %s${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, (transport) => {
  it('delivers every sequence number, in order per CPU, when nothing is lost', async () => {
    const fdsBefore = openFdCount();
    const count = 50_000;
    const source = loadgen({ transport, count, tag: 0xc0ffee, kernelRingBytes: 16 << 20 });
    const batches = await lastValueFrom(source.pipe(toArray()));
    const stats: LoadgenStats = source.stats();

    expect(stats.generated).toBe(count);
    expect(stats.lost).toEqual({ kernel: 0, ring: 0, undelivered: 0 });
    expect(stats.dropped).toBe(0);
    expect(stats.received).toBe(count);
    expect(stats.transport).toBe(transport);
    const byCpu = sequencesByCpu(batches);
    let total = 0;
    for (const [cpu, seqs] of byCpu) {
      expect(seqs, `cpu ${cpu}`).toEqual(seqs.map((_, i) => BigInt(i)));
      total += seqs.length;
    }
    expect(total).toBe(count);
    expect(batches.every((b) => b.tag.every((t) => t === 0xc0ffee))).toBe(true);
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('counts losses when the consumer is stalled: received + lost = generated', async () => {
    const fdsBefore = openFdCount();
    const count = 200_000;
    // Small rings everywhere, and a subscriber that blocks the JS thread on its first batch while the
    // generator keeps running on its own thread. The poll thread reads ('thread': the JS thread, which
    // reads at low rates, would be the one stalled), so the shared ring fills and the addon waits.
    const source = loadgen({ transport, count, kernelRingBytes: 64 << 10, ringCapacity: 64 << 10, batchSize: 256, perf: { pageCount: 16 }, wake: 'thread' });
    let stalled = false;
    const batches: LoadgenBatch[] = [];
    await new Promise<void>((resolve, reject) =>
      source.subscribe({
        next: (b) => {
          batches.push(b);
          if (!stalled) {
            stalled = true;
            const until = Date.now() + 300;
            while (Date.now() < until); // the stall
          }
        },
        complete: resolve,
        error: reject,
      }),
    );
    const stats = source.stats();

    expect(stats.generated).toBeGreaterThanOrEqual(count); // perf may add one flush run per CPU
    expect(stats.lost.kernel).toBeGreaterThan(0);
    expect(stats.lost.ring).toBe(0);
    expect(stats.ringFullWaits).toBeGreaterThan(0); // the cause: the shared ring was full, the addon stopped reading
    expect(stats.received + stats.lost.kernel).toBe(stats.generated);
    expect(stats.lost.kernel).toBe(stats.dropped); // the kernel's count agrees with the program's
    if (transport === 'perf') {
      const byCpu = Object.values(stats.lostByCpu ?? {}).reduce((a, b) => a + b, 0);
      expect(byCpu).toBe(stats.lost.kernel);
    }
    // What arrived is still in order per CPU, without duplicates.
    let total = 0;
    for (const [cpu, seqs] of sequencesByCpu(batches)) {
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!, `cpu ${cpu} at ${i}`).toBe(true);
      total += seqs.length;
    }
    expect(total).toBe(stats.received);
    expect(openFdCount()).toBe(fdsBefore);
  });

  it('pre-fills the kernel rings with the reader paused, then drains them: nothing lost, in order', async () => {
    const fdsBefore = openFdCount();
    const count = 20_000;
    // Perf: the rings exist once the reader opens (paused); 16 pages per CPU do not hold 20 000 records.
    const source = loadgen({ transport, count, cpu: 0, prefill: true, kernelRingBytes: 4 << 20 });
    const batches = await lastValueFrom(source.pipe(toArray()));
    const stats = source.stats();

    expect(stats.generated).toBe(count);
    expect(stats.lost).toEqual({ kernel: 0, ring: 0, undelivered: 0 });
    expect(stats.received).toBe(count);
    expect(sequencesByCpu(batches).get(0)).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
    expect(openFdCount()).toBe(fdsBefore);
  });
});
