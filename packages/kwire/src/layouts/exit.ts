// The exit record (bpf/include/exit.h): fixed size, one per process (or thread) exit.
import { cstring, defineLayout } from '../layout/layout.js';

export const exitLayout = defineLayout({
  name: 'exit',
  struct: 'exit_event',
  size: 72,
  fields: [
    { name: 'startTime', type: 'u64' },
    { name: 'exitTime', type: 'u64' },
    { name: 'cgroupId', type: 'u64' },
    { name: 'pidnsDev', type: 'u64' },
    { name: 'pid', type: 'u32' },
    { name: 'tid', type: 'u32' },
    { name: 'ppid', type: 'u32' },
    { name: 'status', type: 'u32' },
    { name: 'pidns', type: 'u32' },
    { name: 'flags', type: 'u32' },
    { name: 'comm', type: cstring(16) },
  ],
});
