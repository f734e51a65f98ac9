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
