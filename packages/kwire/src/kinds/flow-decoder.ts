import type { RecordDecoder } from '../pipeline/record-decoder.js';
import { FlowBatch } from './flow-batch.js';

export const flowDecoder: RecordDecoder<FlowBatch> = {
  source: 'flow',
  init: (d, batchSize) => d.exports.flowInit(batchSize),
  decode: (d) => d.exports.flowDecode(),
  status: (d) => d.exports.flowStatus(),
  errors: (d, code) => d.exports.flowErrors(code),
  batch: (d, n) => FlowBatch.fromDecoder(d, n),
};
