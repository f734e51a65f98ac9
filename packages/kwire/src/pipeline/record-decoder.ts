// A record kind's decoder as the pipeline sees it: set up its output in a decoder instance, decode a
// batch from the cursor, copy the batch out. One object per record kind (generated from its declaration,
// packages/kwire/src/generated/<kind>.ts), or from defineDecoder for a user's layout.
import type { DecoderInstance } from './decoders.js';

export interface RecordDecoder<B> {
  /** Record kind: a kind's name for built-ins, a layout's name for user decoders. */
  readonly source: string;
  /** Frame source id of the records it decodes (a producer tags its frames with it). */
  readonly sourceId: number;
  /** The WebAssembly module holding this decoder; default: the built-in decoders (assembly/). */
  readonly module?: () => WebAssembly.Module;
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
