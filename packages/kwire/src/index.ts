// kwire's public API. Everything not listed here is internal.
export { exec, execEvents } from './exec.js';
export type { ExecOptions } from './exec.js';
export { ExecBatch, ExecFlags } from './exec-batch.js';
export type { ExecEvent } from './exec-batch.js';
export type { Batch } from './batch.js';
export type { KernelSource } from './kernel-source.js';
export type { SourceStats } from './stats.js';
export { totalDecodeErrors } from './stats.js';
export { toEvents } from './operators.js';
export { FrameDecoder } from './frames.js';
export type { FrameDecodeResult } from './frames.js';
export { execDecoder } from './exec-decoder.js';
export type { RecordDecoder } from './record-decoder.js';
export { Status } from './status.js';
export { SourceId } from './sources.js';
export { KwireError, PermissionError, NotSupportedError, DecodeError, isKwireError, isPermissionError } from './errors.js';
export type { KwireErrorCode } from './errors.js';
export { missingTracingCapabilities } from './capabilities.js';
