// loadgen: generated 104-byte records for tests and benchmarks (bpf/loadgen.bpf.c). The record kind's
// one declaration; its source, loadgen(), is hand-written (loadgen-source.ts): it drives the generator.
import { bytes } from '../layout/layout.js';
import { defineKind } from '../pipeline/kind.js';

export const loadgenKind = defineKind({
  name: 'loadgen', sourceId: 5, object: 'loadgen', layoutVersion: 1,
  // bpf/include/loadgen.h: 104 bytes, the flow record's size. A perf transport pads the raw sample
  // (4 + len rounded to 8: 108 bytes), so trailing bytes are ignored.
  layout: { name: 'loadgen', struct: 'loadgen_event', size: 104,
    fields: [
      { name: 'seq', type: 'u64' }, // per-CPU sequence number from 0: a gap is a lost record
      { name: 'ts', type: 'u64' }, // CLOCK_MONOTONIC ns at emission (process.hrtime.bigint() reads the same clock)
      { name: 'cpu', type: 'u32' },
      { name: 'tag', type: 'u32' },
      { name: 'fill', type: bytes(80), column: false },
    ],
    trailing: 'ignore',
  },
  time: 'ts',
  sourceFunctions: false, // loadgen() (loadgen-source.ts) drives the generator
  doc: { summary: 'Generated records for tests and benchmarks.', example: 'loadgen({ count: 1e6 }).subscribe((b) => n += b.length);' },
});

