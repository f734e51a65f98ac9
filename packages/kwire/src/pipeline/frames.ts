// Decoding a linear buffer of frames (captures, benchmarks, tests): the same decoders as the live path.
import { instantiateDecoders, type DecoderInstance } from './decoders.js';
import { DecodeError } from '../errors.js';
import type { RecordDecoder } from './record-decoder.js';
import { Status, STATUS_COUNT, statusNames, type StatusName } from './status.js';

export interface FrameDecodeResult<B> {
  batches: B[];
  /** Records skipped, by status. */
  skipped: Partial<Record<StatusName, number>>;
}

/**
 * A decoder instance with an input region for linear frame buffers: decodes captured or hand-made frames
 * with the same WebAssembly decoders a live source uses.
 *
 * @example
 * const { batches, skipped } = new FrameDecoder(execDecoder).decode(frames);
 * @throws KwireError ENOT_BUILT (from the constructor) when the decoders module is not built.
 */
export class FrameDecoder<B> {
  private readonly d: DecoderInstance;
  private input = 0;
  private inputCapacity = 0;

  /** A decoder instance for `decoder`, with batches of at most `batchSize` records. */
  constructor(private readonly decoder: RecordDecoder<B>, batchSize = 4096) {
    this.d = instantiateDecoders(decoder.module?.());
    decoder.init(this.d, batchSize);
  }

  /**
   * Decodes every frame of `frames` (frame headers, 8-byte padding, no wrap markers) into batches, and
   * counts the records it skipped by status.
   *
   * @throws DecodeError on a corrupt frame header, or a record too large for an empty batch.
   */
  decode(frames: Uint8Array): FrameDecodeResult<B> {
    const before = this.errorCounts();
    const x = this.d.exports;
    if (frames.length > this.inputCapacity) {
      this.inputCapacity = Math.max(frames.length, this.inputCapacity * 2, 65536);
      this.input = x.alloc(this.inputCapacity);
    }
    this.d.bytes().set(frames, this.input);
    x.cursorLinear(this.input, frames.length);
    const batches: B[] = [];
    for (;;) {
      const n = this.decoder.decode(this.d);
      const status = this.decoder.status(this.d);
      if (n > 0) batches.push(this.decoder.batch(this.d, n));
      if (status === Status.ringCorrupt) {
        throw new DecodeError(this.decoder.source, status, `corrupt frame header at offset ${x.cursorOffset()}`, x.cursorOffset());
      }
      if (x.cursorOffset() >= frames.length) break;
      if (n === 0) {
        // Nothing decoded and nothing consumed: the next record cannot fit an empty batch.
        throw new DecodeError(this.decoder.source, Status.badLength, `record at offset ${x.cursorOffset()} does not fit a batch`, x.cursorOffset());
      }
    }
    const after = this.errorCounts();
    const skipped: Partial<Record<StatusName, number>> = {};
    for (let c = 1; c < STATUS_COUNT; c++) if (after[c]! > before[c]!) skipped[statusNames[c]!] = after[c]! - before[c]!;
    return { batches, skipped };
  }

  private errorCounts(): number[] {
    return Array.from({ length: STATUS_COUNT }, (_, c) => this.decoder.errors(this.d, c));
  }
}
