// flows in captures: raw frames of every kind (update and destroy) live, the flow decoder on replay.
// Named as the CLI command; flows are not per process, so pidns does not apply (cgroup does).
import { registerCaptureSource } from '../capture/registry.js';
import { flowRaw } from './flow.js';
import { flowDecoder } from './flow-decoder.js';
import { SourceId } from '../sources.js';

/** bpf/include/flow.h FLOW_LAYOUT_VERSION (test/raw-frames.test.ts checks they agree). */
export const FLOW_LAYOUT_VERSION = 1;

registerCaptureSource({
  name: 'flows',
  id: SourceId.flow,
  layout: FLOW_LAYOUT_VERSION,
  tsOffset: 8, // ts
  decoder: flowDecoder,
  openRaw: ({ cgroup }) => flowRaw(cgroup === undefined ? {} : { attach: { cgroup } }),
});
