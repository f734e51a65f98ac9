// exec in captures: raw frames live, the exec decoder on replay.
import { registerCaptureSource } from '../capture/registry.js';
import { execRaw } from './exec.js';
import { execDecoder } from './exec-decoder.js';
import { SourceId } from '../sources.js';

/** bpf/include/exec.h EXEC_LAYOUT_VERSION (test/raw-frames.test.ts checks they agree). */
export const EXEC_LAYOUT_VERSION = 1;

registerCaptureSource({
  name: 'exec',
  id: SourceId.exec,
  layout: EXEC_LAYOUT_VERSION,
  tsOffset: 0,
  decoder: execDecoder,
  openRaw: ({ pidns, transport }) => execRaw({ ...(pidns === undefined ? {} : { pidns }), ...(transport === undefined ? {} : { transport }) }),
});
