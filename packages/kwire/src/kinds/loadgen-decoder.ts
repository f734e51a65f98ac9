import type { RecordDecoder } from '../pipeline/record-decoder.js';
import { LoadgenBatch } from './loadgen-batch.js';

export const loadgenDecoder: RecordDecoder<LoadgenBatch> = {
  source: 'loadgen',
  init: (d, batchSize) => d.exports.loadgenInit(batchSize),
  decode: (d) => d.exports.loadgenDecode(),
  status: (d) => d.exports.loadgenStatus(),
  errors: (d, code) => d.exports.loadgenErrors(code),
  batch: (d, n) => LoadgenBatch.fromDecoder(d, n),
};
