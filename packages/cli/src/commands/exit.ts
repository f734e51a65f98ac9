// kwire exit: exitsnoop-like live exit events.
import { exits } from 'kwire';
import { commonHelp, commonOptions, latencyHelp, latencyOption, parseCommon, parseLatencyBound, parseTransport, transportHelp, transportOption } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { writeOut } from '../output.js';
import { runSource } from '../run-source.js';
import { shapes, tables } from '../tables.js';
import { parseCommandLine } from '../parse.js';
import { warnIfNoNamespace } from '../namespace-check.js';

export const exitHelp = `kwire exit — trace every process exit, live (like exitsnoop)

Usage: kwire exit [options]

Columns: TIME (wall clock), PCOMM, PID, PPID, TID (the thread that exited last), AGE(s) (seconds since
the process started), EXIT ('code N', or 'signal N (NAME)', '+core' when it dumped core).

Options:
  --threads           a record for every thread's exit (default: one per process, when it ends)
${transportHelp}
${latencyHelp}

${commonHelp}

Needs CAP_BPF and CAP_PERFMON (or root).
Examples:
  kwire exit --duration 5
  kwire exit --json | jq 'select(.signal != 0)'`;

export async function exitCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, { ...commonOptions, ...transportOption, ...latencyOption, threads: { type: 'boolean', default: false } });
  if (values.help) {
    writeOut(exitHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const transport = parseTransport(values.transport);
  warnIfNoNamespace('exit', '--pidns', 'pid', options.pidns);
  const latencyBoundMs = parseLatencyBound(values['latency-bound']);
  const source = exits({ transport, latencyBoundMs, threads: values.threads ?? false, ...(options.pidns === undefined ? {} : { pidns: options.pidns }) });
  const writer = eventWriter(options, tables, shapes);
  if (options.nats) return (await import('../nats-publish.js')).publishSource('exit', source, options); // loads NATS only when asked
  await runSource('exit', source, options, {
    onAttached: () => writer.start('exit'),
    onBatch: (batch) => writer.batch('exit', batch),
  });
}
