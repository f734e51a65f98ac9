// Taking a batch's columns out of WASM memory: the decoder packs them together (<name>Pack), one copy
// moves them into memory the batch owns, and the columns are views of it. The batch stays valid after
// the decoder reuses its output. A leased source's batches (pipeline/lease.ts) skip the copy: their
// columns view the decoder's output itself, valid until the next decode.
import type { DecoderInstance } from '../pipeline/decoders.js';

/** Leased shapes kept per decoder instance (one per slab size in use; a batch size's worth at most). */
const MAX_LEASED_SHAPES = 256;

/** `bytes` bytes at `address` in the decoder's memory (8-byte aligned): an owned copy, or, when the
 *  instance is leased, a view of the memory itself. */
export function takeSlab(d: DecoderInstance, address: number, bytes: number): Uint8Array {
  if (d.leased) return new Uint8Array(d.memory.buffer, address, bytes);
  // Uninitialised memory (no zero fill): the copy overwrites every byte of it.
  const out = Buffer.allocUnsafeSlow(bytes);
  out.set(new Uint8Array(d.memory.buffer, address, bytes));
  return out;
}

/**
 * The batch of `n` records whose packed columns are `bytes` bytes at `address`: `make(columnsOf(slab,
 * n))` over an owned copy, or, when the instance is leased, over the memory itself. A leased batch is
 * made once per shape (slab size, place, record count) and emitted again whenever the decoder's output
 * has that shape: its columns already view the right bytes, so a steady stream allocates nothing.
 */
export function takeBatch<C, B>(d: DecoderInstance, address: number, bytes: number, n: number, columnsOf: (s: Uint8Array, n: number) => C, make: (c: C) => B): B {
  if (!d.leased) return make(columnsOf(takeSlab(d, address, bytes), n));
  const buffer = d.memory.buffer;
  const cache = (d.leasedBatches ??= new Map());
  const hit = cache.get(bytes);
  if (hit !== undefined && hit.address === address && hit.n === n && hit.buffer === buffer && hit.make === make) return hit.batch as B;
  const batch = make(columnsOf(new Uint8Array(buffer, address, bytes), n));
  if (cache.size >= MAX_LEASED_SHAPES) cache.clear();
  cache.set(bytes, { address, n, buffer, make, batch });
  return batch;
}
