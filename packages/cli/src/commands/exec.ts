// kwire exec: execsnoop-like live exec events.
import { execs } from 'kwire';
import { commonHelp, commonOptions, latencyHelp, latencyOption, parseCommon, parseLatencyBound, parseTransport, transportHelp, transportOption } from '../common-options.js';
import { writeOut } from '../output.js';
import { eventWriter } from '../event-writer.js';
import { runSource } from '../run-source.js';
import { shapes, tables } from '../tables.js';
import { parseCommandLine } from '../parse.js';
import { warnIfNoNamespace } from '../namespace-check.js';

export const execHelp = `kwire exec — trace every successful execve/execveat, live (like execsnoop)

Usage: kwire exec [options]

Columns: TIME (wall clock), PCOMM (new comm), PID, PPID, UID, ARGS (filename, then argv; '...' when
truncated at the kernel-side limit of 8 KiB of argv).

Options:
${transportHelp}
${latencyHelp}

${commonHelp}

Needs CAP_BPF and CAP_PERFMON (or root).
Examples:
  kwire exec --duration 5
  kwire exec --json | jq 'select(.uid == 1000)'
  kwire exec --pidns $(stat -L -c %i /proc/$(pgrep -n mycontainerd)/ns/pid)`;

export async function execCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, { ...commonOptions, ...transportOption, ...latencyOption });
  if (values.help) {
    writeOut(execHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const transport = parseTransport(values.transport);
  warnIfNoNamespace('exec', '--pidns', 'pid', options.pidns);
  const latencyBoundMs = parseLatencyBound(values['latency-bound']);
  const source = execs({ transport, latencyBoundMs, ...(options.pidns === undefined ? {} : { pidns: options.pidns }) });
  const writer = eventWriter(options, tables, shapes);
  if (options.nats) return (await import('../nats-publish.js')).publishSource('exec', source, options); // loads NATS only when asked
  await runSource('exec', source, options, {
    onAttached: () => writer.start('exec'),
    onBatch: (batch) => writer.batch('exec', batch),
  });
}
