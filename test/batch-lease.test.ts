// What a subscriber receives and may keep: an ordinary batch owns its memory and never changes after
// its emission, however many batches follow; a leased batch (source.leased()) views the decoder's
// memory, which the next batch reuses, and keep() inside next() gives a batch that never changes.
// Produced without BPF (the fd producer reading a file of u32le-framed loadgen records), so it runs
// anywhere.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isKwireError, keep, loadgenDecoder, type LoadgenBatch } from 'kwire';
import { fdProducer, kernelSource } from 'kwire/gen';
import { encodeLoadgen, LOADGEN_SIZE } from './reference/loadgen.js';

const dir = mkdtempSync(join(tmpdir(), 'kw16-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COUNT = 5000;
const BATCH = 64;

/** `count` loadgen records, seq 0..count-1, tag = seq * 3, each behind its u32le length. */
function recordsFile(count: number): string {
  const out = new Uint8Array(count * (4 + LOADGEN_SIZE));
  const v = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    v.setUint32(i * (4 + LOADGEN_SIZE), LOADGEN_SIZE, true);
    out.set(encodeLoadgen({ seq: BigInt(i), ts: 1000n + BigInt(i), cpu: i % 7, tag: i * 3 }), i * (4 + LOADGEN_SIZE) + 4);
  }
  const path = join(dir, `loadgen-${count}.bin`);
  writeFileSync(path, out);
  return path;
}

const source = (path: string) => kernelSource<LoadgenBatch>({ producer: fdProducer({ what: 'reading loadgen records', input: path }), decoder: loadgenDecoder, ringCapacity: 1 << 16, batchSize: BATCH });

/** Runs `batches` to its end, calling `next` with each batch. */
const everyBatch = (batches: Observable<LoadgenBatch>, next: (batch: LoadgenBatch) => void) =>
  new Promise<void>((resolve, reject) => batches.subscribe({ next, error: reject, complete: resolve }));

/** The batch's records as plain values, to compare later. */
const snapshot = (b: LoadgenBatch) => Array.from({ length: b.length }, (_, i) => [b.seq[i], b.ts[i], b.cpu[i], b.tag[i]]);
const expected = (from: number, n: number) => Array.from({ length: n }, (_, k) => [BigInt(from + k), 1000n + BigInt(from + k), (from + k) % 7, (from + k) * 3]);

describe('the batches a subscriber keeps', () => {
  const path = recordsFile(COUNT);

  it('never change after their emission (ordinary batches own their memory)', async () => {
    const kept: { batch: LoadgenBatch; then: unknown[][] }[] = [];
    await everyBatch(source(path), (batch) => void kept.push({ batch, then: snapshot(batch) }));
    // At the end every batch still holds what it held when emitted, and that is the records as written.
    let at = 0;
    for (const { batch, then } of kept) {
      expect(snapshot(batch)).toEqual(then);
      expect(then).toEqual(expected(at, batch.length));
      at += batch.length;
    }
    expect(at).toBe(COUNT);
    expect(kept.length).toBeGreaterThan(COUNT / BATCH - 1);
  });

  it('never change when kept from a leased source with keep(), while the leased batches themselves are reused', async () => {
    const kept: { batch: LoadgenBatch; first: number }[] = [];
    const leased: LoadgenBatch[] = [];
    let at = 0;
    await everyBatch(source(path).leased(), (batch) => {
      // During the emission the leased batch holds this batch's records.
      expect(snapshot(batch)).toEqual(expected(at, batch.length));
      leased.push(batch);
      kept.push({ batch: keep(batch), first: at });
      expect(keep(batch)).toBe(kept.at(-1)!.batch); // one copy per batch
      at += batch.length;
    });
    expect(at).toBe(COUNT);
    for (const { batch, first } of kept) expect(snapshot(batch)).toEqual(expected(first, batch.length));
    // The leased batches viewed one region that later batches overwrote: an early one no longer
    // shows its own records (the reason keep() exists).
    const early = leased[0]!;
    expect(snapshot(early)).not.toEqual(expected(0, early.length));
  });

  it('a steady leased stream reuses its batch object while the record count stays the same, and keep() copies each emission of it', async () => {
    const objects = new Set<LoadgenBatch>();
    let shapes = 0;
    let lastLength = -1;
    const kept: { batch: LoadgenBatch; first: number }[] = [];
    let at = 0;
    await everyBatch(source(path).leased(), (batch) => {
      objects.add(batch);
      if (batch.length !== lastLength) (shapes += 1), (lastLength = batch.length);
      kept.push({ batch: keep(batch), first: at });
      at += batch.length;
    });
    // Nothing is made per batch: a new object only when the record count changed, not per emission.
    expect(kept.length).toBeGreaterThan(10);
    expect(shapes).toBeLessThan(kept.length / 2);
    expect(objects.size).toBe(shapes);
    // Each emission's copy is its own, even when the leased object was the same.
    expect(new Set(kept.map((k) => k.batch)).size).toBe(kept.length);
    for (const { batch, first } of kept) expect(snapshot(batch)).toEqual(expected(first, batch.length));
  });

  it('keep() refuses a leased batch after its emission returned, and returns an owned batch as it is', async () => {
    let late: LoadgenBatch | undefined;
    const owned: LoadgenBatch[] = [];
    await everyBatch(source(path).leased(), (b) => void (late ??= b));
    let error: unknown;
    try {
      keep(late!);
    } catch (e) {
      error = e;
    }
    expect(isKwireError(error, 'EINVAL_ARGUMENT')).toBe(true);
    expect(String(error)).toMatch(/inside next\(\)/);
    await everyBatch(source(path), (b) => void owned.push(b));
    expect(keep(owned[0]!)).toBe(owned[0]);
  });

  it('keep() of a short last batch (fewer records than the batch size) copies exactly its records', async () => {
    const short = recordsFile(BATCH + 5);
    const kept: LoadgenBatch[] = [];
    await everyBatch(source(short).leased(), (b) => void kept.push(keep(b)));
    let at = 0;
    for (const b of kept) {
      expect(snapshot(b)).toEqual(expected(at, b.length));
      at += b.length;
    }
    expect(at).toBe(BATCH + 5);
  });
});
