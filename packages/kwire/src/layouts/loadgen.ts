// The loadgen record (bpf/include/loadgen.h): 104 bytes, the flow record's size. A perf transport pads
// the raw sample (4 + len rounded to 8: 108 bytes), so trailing bytes are ignored.
import { bytes, defineLayout } from '../layout/layout.js';

export const loadgenLayout = defineLayout({
  name: 'loadgen',
  struct: 'loadgen_event',
  size: 104,
  fields: [
    { name: 'seq', type: 'u64' },
    { name: 'ts', type: 'u64' },
    { name: 'cpu', type: 'u32' },
    { name: 'tag', type: 'u32' },
    { name: 'fill', type: bytes(80), column: false },
  ],
  trailing: 'ignore',
});
