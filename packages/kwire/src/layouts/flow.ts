// The flow record (bpf/include/flow.h): 104 bytes, the conntracct layout plus `kind`. Counters become
// f64 columns (exact below 2^53), ports host order, addresses 16 raw bytes. flowId and the in-pass
// filter are hand-written (assembly/flow-hooks.ts).
import { defineLayout } from '../layout/layout.js';

export const flowLayout = defineLayout({
  name: 'flow',
  struct: 'flow_event',
  size: 104,
  fields: [
    { name: 'start', type: 'u64' },
    { name: 'ts', type: 'u64' },
    { name: 'cookie', type: 'u64' },
    { name: 'srcAddr', type: 'ip' },
    { name: 'dstAddr', type: 'ip' },
    { name: 'packetsOrig', type: 'u64', as: 'f64' },
    { name: 'bytesOrig', type: 'u64', as: 'f64' },
    { name: 'packetsRet', type: 'u64', as: 'f64' },
    { name: 'bytesRet', type: 'u64', as: 'f64' },
    { name: 'connmark', type: 'u32' },
    { name: 'netns', type: 'u32' },
    { name: 'srcPort', type: 'u16be' },
    { name: 'dstPort', type: 'u16be' },
    { name: 'proto', type: 'u8' },
    { name: 'kind', type: 'u8', oneOf: [1, 2] },
    { name: 'padding', type: { kind: 'bytes', length: 2 }, zero: true, column: false },
  ],
  hooks: 'flow-hooks',
  derived: [{ name: 'flowId', type: 'u32', fn: 'flowId' }],
  filter: 'flowMatches',
});
