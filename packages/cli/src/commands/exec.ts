// kwire exec: execsnoop-like live exec events.
import { parseArgs } from 'node:util';
import { exec, type ExecEvent } from 'kwire';
import { clockTime } from '../boot-time.js';
import { commonHelp, commonOptions, parseCommon } from '../common-options.js';
import { writeOut, type Column } from '../output.js';
import { eventWriter } from '../event-writer.js';
import { runSource } from '../run-source.js';

export const execHelp = `kwire exec — trace every successful execve/execveat, live (like execsnoop)

Usage: kwire exec [options]

Columns: TIME (wall clock), PCOMM (new comm), PID, PPID, UID, ARGS (filename, then argv; '...' when
truncated at the kernel-side limit of 8 KiB of argv).

${commonHelp}

Needs CAP_BPF and CAP_PERFMON (or root).
Examples:
  kwire exec --duration 5
  kwire exec --json | jq 'select(.uid == 1000)'
  kwire exec --pidns $(stat -L -c %i /proc/$(pgrep -n mycontainerd)/ns/pid)`;

const quote = (s: string) => (s === '' || /[\s"'\\]/.test(s) ? JSON.stringify(s) : s);

export const execColumns: readonly Column<ExecEvent>[] = [
  { header: 'TIME', width: 8, value: (e) => clockTime(e.ts) },
  { header: 'PCOMM', width: 16, value: (e) => e.comm },
  { header: 'PID', width: 7, value: (e) => String(e.pid) },
  { header: 'PPID', width: 7, value: (e) => String(e.ppid) },
  { header: 'UID', width: 6, value: (e) => String(e.uid) },
  { header: 'ARGS', width: 0, value: (e) => [e.filename, ...e.argv.slice(1)].map(quote).join(' ') + (e.truncated ? ' ...' : '') },
];

export async function execCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: commonOptions, strict: true });
  if (values.help) {
    writeOut(execHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const source = exec(options.pidns === undefined ? {} : { pidns: options.pidns });
  const writer = eventWriter(options, { exec: execColumns });
  await runSource('exec', source, options, {
    onAttached: () => writer.start('exec'),
    onBatch: (batch) => writer.batch('exec', batch),
  });
}
