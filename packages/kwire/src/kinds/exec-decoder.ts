import type { RecordDecoder } from '../pipeline/record-decoder.js';
import { ExecBatch } from './exec-batch.js';

/** Average filename+argv bytes budgeted per record in a batch's string heap. */
const TAIL_BYTES_PER_RECORD = 512;
/** One record's tail can be this long (bpf/include/exec.h EXEC_TAIL_MAX). */
const TAIL_MAX = 4096 + 8192;

export const execDecoder: RecordDecoder<ExecBatch> = {
  source: 'exec',
  init: (d, batchSize) => d.exports.execInit(batchSize, Math.max(TAIL_MAX, batchSize * TAIL_BYTES_PER_RECORD)),
  decode: (d) => d.exports.execDecode(),
  status: (d) => d.exports.execStatus(),
  errors: (d, code) => d.exports.execErrors(code),
  batch: (d, n) => ExecBatch.fromDecoder(d, n),
};
