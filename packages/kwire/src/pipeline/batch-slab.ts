// A decoded batch as one run of bytes and back: what a transport (NATS, a socket) ships instead of
// event objects. Every batch a kwire decoder makes owns one buffer, its slab: the columns the decoder
// packed (`<kind>Pack`), widest elements first, then the string heap, copied out in one copy
// (layout/slab.ts). Shipping that buffer is shipping the decoded columns; rebuilding the batch hands the
// same bytes to the kind's own `batch()`, so the far side gets the live source's batch class.
import type { Batch } from './batch.js';
import type { DecoderInstance, DecoderExports } from './decoders.js';
import type { RecordDecoder } from './record-decoder.js';

/** A decoded batch's packed columns: the bytes, the record count and the string heap's length. */
export interface BatchSlab {
  /** Records in the batch. */
  readonly length: number;
  /** Bytes of the string heap at the slab's end (0 for a layout without strings). */
  readonly heap: number;
  /** The packed columns (a view of the batch's own buffer: copy it before the batch is dropped if it must outlive it). */
  readonly bytes: Uint8Array;
}

const views = (o: object): ArrayBufferView[] => Object.values(o).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v));

/**
 * The packed columns of a batch a kwire decoder made (a live source's, a replay's), or undefined for a
 * batch whose columns are not one slab (one built by `select()`, or by hand).
 *
 * @example
 * const slab = batchSlab(batch); // { length, heap, bytes }
 * if (slab) socket.write(slab.bytes);
 */
export function batchSlab(batch: Batch<unknown>): BatchSlab | undefined {
  const columns = (batch as { columns?: unknown }).columns;
  const all = views(typeof columns === 'object' && columns !== null ? columns : batch);
  if (all.length === 0) return undefined;
  const buffer = all[0]!.buffer;
  if (all.some((v) => v.buffer !== buffer) || Math.min(...all.map((v) => v.byteOffset)) !== 0) return undefined;
  const strings = (columns as { strings?: unknown } | undefined)?.strings ?? (batch as { strings?: unknown }).strings;
  const heap = strings instanceof Uint8Array && strings.buffer === buffer ? strings.byteLength : 0;
  return { length: batch.length, heap, bytes: new Uint8Array(buffer) };
}

/**
 * The batch a decoder makes from a slab of packed columns (what {@link batchSlab} gave on the other
 * side): the same class, over its own copy of the bytes, as if the decoder had just decoded the records.
 *
 * @example
 * const batch = batchFromSlab(execDecoder, { length: 3, heap: 120, bytes }); // an ExecBatch
 * @throws RangeError when the bytes are fewer than the decoder's columns need for `length` records.
 */
export function batchFromSlab<B>(decoder: RecordDecoder<B>, slab: BatchSlab): B {
  // A memory holding the slab where it is: the decoder's batch() packs nothing (the columns are packed
  // already: <kind>Pack answers the slab's address), reads its heap size and copies the slab out into
  // memory of its own, as after a decode.
  const { buffer, byteOffset } = slab.bytes;
  const exports = new Proxy({} as DecoderExports, {
    get: (_, name) => (typeof name === 'string' && name.endsWith('HeapUsed') ? () => slab.heap : () => byteOffset),
  });
  const memory = { buffer } as unknown as WebAssembly.Memory;
  const instance: DecoderInstance = { memory, exports, bytes: () => new Uint8Array(buffer), leased: false, leasedBatch: undefined };
  const batch = decoder.batch(instance, slab.length);
  // The decoder copied as many bytes as its columns need for `length` records: more than the slab
  // held is a short slab (the bytes after it were someone else's).
  const used = batch && typeof batch === 'object' ? batchSlab(batch as unknown as Batch<unknown>)?.bytes.byteLength : undefined;
  if (used !== undefined && used > slab.bytes.byteLength) throw new RangeError(`a slab of ${slab.bytes.byteLength} bytes is too short for ${slab.length} records (${used} bytes)`);
  return batch;
}
