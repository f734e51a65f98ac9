// Taking a batch's columns out of WASM memory: the decoder packs them together (<name>Pack), one copy
// moves them into memory the batch owns, and the columns are views of it. The batch stays valid after
// the decoder reuses its output.
import type { DecoderInstance } from '../pipeline/decoders.js';

/** An owned copy of `bytes` bytes at `address` in the decoder's memory (8-byte aligned). */
export function takeSlab(d: DecoderInstance, address: number, bytes: number): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(bytes));
  out.set(new Uint8Array(d.memory.buffer, address, bytes));
  return out;
}
