// Leased batches: a source's `leased()` form emits batches whose columns view the decoder's output in
// WebAssembly memory (no copy-out, no allocation), valid until the subscriber's next() returns; the
// next decode reuses that memory, and the same batch object may be emitted again (layout/slab.ts
// reuses it while the shape lasts). keep() is the copy-on-keep: during the emission it returns a batch
// that owns a copy of its columns, the same batch the source's ordinary form would have emitted.
//
// Nothing here allocates per emission: a steady leased stream makes no garbage, so no scavenge pauses
// its latency. The emissions in progress are a stack of reused frames (a subscriber may drain another
// source inside next()); a leased batch carries a LEASED mark (layout/slab.ts) instead of a WeakSet entry.
import { KwireError } from '../errors.js';
import { LEASED } from '../layout/slab.js';

/** How a source makes the owned copy of the batch it is emitting (`n` records). */
export interface LeaseCopier {
  copy(n: number): object;
}

interface Frame {
  batch: object | undefined;
  copier: LeaseCopier | undefined;
  n: number;
  kept: object | undefined;
}

const frames: Frame[] = [];
let depth = 0;

/** @internal Marks `batch` leased until the matching endLease(); keep(batch) meanwhile calls `copier.copy(n)` (once). */
export function beginLease(batch: object, copier: LeaseCopier, n: number): void {
  const f = (frames[depth] ??= { batch: undefined, copier: undefined, n: 0, kept: undefined });
  f.batch = batch;
  f.copier = copier;
  f.n = n;
  f.kept = undefined;
  depth++;
}

/** @internal Ends the innermost lease (in a finally after next()). */
export function endLease(): void {
  const f = frames[--depth]!;
  f.batch = f.copier = f.kept = undefined;
}

/**
 * A batch you may keep: for a leased batch (from a source's `leased()` form), during the emission that
 * delivered it, a copy that owns its memory (made once per batch); any other batch, which owns its
 * memory already, is returned as it is. Call it inside next(): a leased batch's memory is reused as
 * soon as next() returns.
 *
 * @example
 * const kept: LoadgenBatch[] = [];
 * loadgen({ count: 1e6 }).leased().subscribe((batch) => { if (batch.tag[0] === 7) kept.push(keep(batch)); });
 * @throws KwireError EINVAL_ARGUMENT for a leased batch whose emission has returned (its memory may
 *   already hold the next batch; keep it inside next()).
 */
export function keep<B extends object>(batch: B): B {
  for (let i = depth - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (f.batch === batch) return (f.kept ??= f.copier!.copy(f.n)) as B;
  }
  if ((batch as Record<symbol, unknown>)[LEASED] === true) throw new KwireError('EINVAL_ARGUMENT', 'keep(): this leased batch was kept after its emission returned; call keep() inside next()');
  return batch;
}
