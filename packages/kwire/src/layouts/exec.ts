// The exec record (bpf/include/exec.h): fixed head, then filename and argv as NUL-separated strings.
import { cstring, defineLayout } from '../layout/layout.js';

export const execLayout = defineLayout({
  name: 'exec',
  struct: 'exec_event',
  size: 64,
  fields: [
    { name: 'ts', type: 'u64' },
    { name: 'cgroupId', type: 'u64' },
    { name: 'pid', type: 'u32' },
    { name: 'ppid', type: 'u32' },
    { name: 'uid', type: 'u32' },
    { name: 'gid', type: 'u32' },
    { name: 'pidns', type: 'u32' },
    { name: 'argc', type: 'u32' },
    { name: 'argsSize', type: 'u32' },
    { name: 'flags', type: 'u32' },
    { name: 'comm', type: cstring(16) },
  ],
  tail: { name: 'args', sizeField: 'argsSize' },
});
