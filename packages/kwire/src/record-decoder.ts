// A record kind's decoder as the pipeline sees it: set up its output in a decoder instance, decode a
// batch from the cursor, copy the batch out. One object per record kind (exec-decoder.ts, …).
import type { DecoderInstance } from './decoders.js';
import type { SourceName } from './sources.js';

export interface RecordDecoder<B> {
  readonly source: SourceName;
  /** Allocates the decoder's output for batches of up to `batchSize` records. */
  init(d: DecoderInstance, batchSize: number): void;
  /** Decodes frames from the started cursor; returns the number of records decoded. */
  decode(d: DecoderInstance): number;
  /** Status of the last decode (Status). */
  status(d: DecoderInstance): number;
  /** Records skipped with status `code` since init. */
  errors(d: DecoderInstance, code: number): number;
  /** Copies `n` decoded records out of WASM memory. */
  batch(d: DecoderInstance, n: number): B;
}
