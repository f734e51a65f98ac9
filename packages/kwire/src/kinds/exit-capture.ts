// exit in captures: raw frames live, the exit decoder on replay.
import { registerCaptureSource } from '../capture/registry.js';
import { exitRaw } from './exit.js';
import { exitDecoder } from './exit-decoder.js';
import { SourceId } from '../sources.js';

/** bpf/include/exit.h EXIT_LAYOUT_VERSION (test/raw-frames.test.ts checks they agree). */
export const EXIT_LAYOUT_VERSION = 1;

registerCaptureSource({
  name: 'exit',
  id: SourceId.exit,
  layout: EXIT_LAYOUT_VERSION,
  tsOffset: 8, // exit_time
  decoder: exitDecoder,
  openRaw: ({ pidns, transport }) => exitRaw({ ...(pidns === undefined ? {} : { pidns }), ...(transport === undefined ? {} : { transport }) }),
});
