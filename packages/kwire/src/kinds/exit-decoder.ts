import type { RecordDecoder } from '../pipeline/record-decoder.js';
import { ExitBatch } from './exit-batch.js';

export const exitDecoder: RecordDecoder<ExitBatch> = {
  source: 'exit',
  init: (d, batchSize) => d.exports.exitInit(batchSize),
  decode: (d) => d.exports.exitDecode(),
  status: (d) => d.exports.exitStatus(),
  errors: (d, code) => d.exports.exitErrors(code),
  batch: (d, n) => ExitBatch.fromDecoder(d, n),
};
