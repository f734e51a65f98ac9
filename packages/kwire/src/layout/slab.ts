// Taking a batch's columns out of WASM memory: the decoder packs them together (<name>Pack), one copy
// moves them into memory the batch owns, and the columns are views of it. The batch stays valid after
// the decoder reuses its output. A leased source's batches (pipeline/lease.ts) skip the copy: their
// columns view the decoder's output itself, valid until the next decode.
import type { DecoderInstance } from '../pipeline/decoders.js';

/** `bytes` bytes at `address` in the decoder's memory (8-byte aligned): an owned copy, or, when the
 *  instance is leased, a view of the memory itself. */
export function takeSlab(d: DecoderInstance, address: number, bytes: number): Uint8Array {
  if (d.leased) return new Uint8Array(d.memory.buffer, address, bytes);
  // Uninitialised memory (no zero fill): the copy overwrites every byte of it.
  const out = Buffer.allocUnsafeSlow(bytes);
  out.set(new Uint8Array(d.memory.buffer, address, bytes));
  return out;
}

/** Marks a batch that was ever leased (keep() refuses it after its emission: pipeline/lease.ts). A
 *  property, not a WeakSet entry: ephemerons would slow every scavenge. */
export const LEASED: unique symbol = Symbol('kwire.leased');

/**
 * The batch of `n` records whose packed columns are `bytes` bytes at `address`: `make(columnsOf(slab,
 * n))` over an owned copy, or, when the instance is leased, over the memory itself. A leased batch is
 * emitted again while the decoder's output keeps the last one's shape (slab size, place, record count):
 * its columns already view the right bytes, so a steady stream (the same count per wake-up) allocates
 * nothing. Only the last shape is kept, so a batch of another shape dies young, as an owned one would.
 */
export function takeBatch<C, B>(d: DecoderInstance, address: number, bytes: number, n: number, columnsOf: (s: Uint8Array, n: number) => C, make: (c: C) => B): B {
  if (!d.leased) return make(columnsOf(takeSlab(d, address, bytes), n));
  const buffer = d.memory.buffer;
  const last = d.leasedBatch;
  if (last !== undefined && last.bytes === bytes && last.address === address && last.n === n && last.buffer === buffer && last.make === make) return last.batch as B;
  const batch = make(columnsOf(new Uint8Array(buffer, address, bytes), n));
  (batch as Record<symbol, boolean>)[LEASED] = true;
  d.leasedBatch = { bytes, address, n, buffer, make, batch };
  return batch;
}
