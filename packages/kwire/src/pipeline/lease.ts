// Leased batches: a source's `leased()` form emits batches whose columns view the decoder's output in
// WebAssembly memory (no copy-out, no allocation), valid until the subscriber's next() returns; the
// next decode reuses that memory. keep() is the copy-on-keep: during the emission it returns a batch
// that owns a copy of its columns, the same batch the source's ordinary form would have emitted.
import { KwireError } from '../errors.js';

/** Leased batches in their emission, with how to make their owned copy. */
const current = new WeakMap<object, () => unknown>();
/** Every leased batch ever emitted (weakly), so keep() can tell an expired lease from an owned batch. */
const leasedOnce = new WeakSet<object>();

/** @internal Marks `batch` leased until `end()`; during the lease keep(batch) calls `copy` (once). */
export function lease<B extends object>(batch: B, copy: () => B): () => void {
  let kept: B | undefined;
  current.set(batch, () => (kept ??= copy()));
  leasedOnce.add(batch);
  return () => void current.delete(batch);
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
  const copy = current.get(batch);
  if (copy) return copy() as B;
  if (leasedOnce.has(batch)) throw new KwireError('EINVAL_ARGUMENT', 'keep(): this leased batch was kept after its emission returned; call keep() inside next()');
  return batch;
}

