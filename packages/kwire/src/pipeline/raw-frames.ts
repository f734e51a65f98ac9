// Raw frames as they came out of the addon, before decoding: what captures store. A RawFrames batch
// is one chunk of whole frames of one source (u32 length | u16 source | u16 flags | payload, padded
// to 8), copied out of the shared ring by assembly/raw.ts.
import type { Batch } from './batch.js';
import type { DecoderInstance } from './decoders.js';
import type { RecordDecoder } from './record-decoder.js';

export interface RawFrame {
  source: number;
  flags: number;
  /** The record's bytes (a view into the chunk). */
  payload: Uint8Array;
}

/**
 * A chunk of whole raw frames of one source, as the addon copied them out of the shared ring, before
 * decoding: what the `<kind>Raw()` sources emit and captures store.
 *
 * @example
 * execRaw().subscribe((chunk) => console.log(chunk.length, 'frames of source', chunk.source));
 */
export class RawFrames implements Batch<RawFrame> {
  private offsets: Uint32Array | undefined;
  /** A chunk of `length` frames laid back to back in `bytes`. */
  constructor(
    /** Frames in the chunk. */
    readonly length: number,
    /** The frames, back to back. */
    readonly bytes: Uint8Array,
  ) {}

  /** Source id of the chunk's frames (0 when empty). */
  get source(): number {
    return this.bytes.length >= 8 ? this.bytes[4]! | (this.bytes[5]! << 8) : 0;
  }

  /**
   * Frame i: its source id, flags and payload (a view into the chunk).
   *
   * @throws RangeError when i is not an index of the chunk.
   */
  get(i: number): RawFrame {
    if (i >>> 0 !== i || i >= this.length) throw new RangeError(`index ${i} out of chunk of ${this.length}`);
    const at = this.frameOffsets()[i]!;
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 8);
    const len = v.getUint32(0, true);
    return { source: v.getUint16(4, true), flags: v.getUint16(6, true), payload: this.bytes.subarray(at + 8, at + 8 + len) };
  }

  /** Every frame, in order. */
  *[Symbol.iterator](): Iterator<RawFrame> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  private frameOffsets(): Uint32Array {
    if (this.offsets) return this.offsets;
    const offsets = new Uint32Array(this.length);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    for (let i = 0, at = 0; i < this.length; i++) {
      offsets[i] = at;
      at += (8 + v.getUint32(at, true) + 7) & ~7;
    }
    return (this.offsets = offsets);
  }
}

/** Average bytes budgeted per frame in a chunk; a chunk holds at least MIN_CHUNK_BYTES. */
const BYTES_PER_FRAME = 256;
const MIN_CHUNK_BYTES = 1 << 20;

/**
 * A decoder that copies frames of `source` (id `sourceId`) unchanged, into {@link RawFrames} chunks.
 *
 * @example
 * const raw = kernelSource({ ...spec, decoder: rawDecoder('exec', SourceId.exec) });
 */
export function rawDecoder(source: string, sourceId: number): RecordDecoder<RawFrames> {
  return {
    source,
    sourceId,
    init: (d, batchSize) => d.exports.rawInit(batchSize, Math.max(MIN_CHUNK_BYTES, batchSize * BYTES_PER_FRAME)),
    decode: (d) => d.exports.rawDecode(),
    status: (d) => d.exports.rawStatus(),
    errors: (d, code) => d.exports.rawErrors(code),
    batch: (d: DecoderInstance, n) => new RawFrames(n, new Uint8Array(d.memory.buffer, d.exports.rawOutput(), d.exports.rawUsed()).slice()),
  };
}
