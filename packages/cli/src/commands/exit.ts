// kwire exit: exitsnoop-like live exit events.
import { exits } from 'kwire';
import { commonHelp, commonOptions, latencyOption, latencyHelp, parseCommon, parseLatencyBound, parseProcessFilters, parseTransport, processFilterHelp, processFilterOptions, transportHelp, transportOption } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { writeOut } from '../output.js';
import { runSource } from '../run-source.js';
import { addColumnAfterPid, shapes, tables } from '../tables.js';
import { nspidColumn, PidnsView } from '../pidns-view.js';
import { parseCommandLine } from '../parse.js';
import { cliError } from '../process-errors.js';
import { warnIfNoNamespace } from '../namespace-check.js';

export const exitHelp = `kwire exit — trace every process exit, live (like exitsnoop)

Usage: kwire exit [options]

Columns: TIME (wall clock), PCOMM, PID, PPID, TID (the thread that exited last), AGE(s) (seconds since
the process started), EXIT ('code N', or 'signal N (NAME)', '+core' when it dumped core).

Options:
  -x, --failed        only exits that failed: a non-zero code or a signal (like exitsnoop -x)
                      (default: all)
${processFilterHelp}
  --threads           a record for every thread's exit (default: one per process, when it ends)
${transportHelp}
${latencyHelp}

${commonHelp}

Needs CAP_BPF and CAP_PERFMON (or root).
Examples:
  kwire exit --duration 5
  kwire exit --json | jq 'select(.signal != 0)'
  kwire exit -x --cgroup /sys/fs/cgroup/system.slice`;

export async function exitCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, { ...commonOptions, ...transportOption, ...processFilterOptions, ...latencyOption, threads: { type: 'boolean', default: false } });
  if (values.help) {
    writeOut(exitHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const transport = parseTransport(values.transport);
  warnIfNoNamespace('exit', '--pidns', 'pid', options.pidns);
  const filters = parseProcessFilters(values);
  const latencyBoundMs = parseLatencyBound(values['latency-bound']);
  const source = cliError(() => exits({ transport, latencyBoundMs, threads: values.threads ?? false, failed: values.failed ?? false, ...filters.kernel, ...(options.pidns === undefined ? {} : { pidns: options.pidns }) }));
  // --pidns: each event's pid as that namespace sees it (nspid), beside the host's
  const view = options.pidns === undefined ? undefined : new PidnsView(options.pidns);
  if (view) addColumnAfterPid(['exit'], nspidColumn as never);
  const withNspid = <E extends { pid: number }>(events: Iterable<E>): Iterable<E> => (view ? [...events].map((e) => ({ ...e, nspid: view.nspid(e.pid, true) })) : events);
  const writer = eventWriter(options, tables, shapes);
  if (options.nats) return (await import('../nats-publish.js')).publishSource('exit', source, options); // loads NATS only when asked
  // The writer turns each batch into lines before next() returns: leased batches, no copy-out per batch.
  await runSource('exit', source.leased(), options, {
    onAttached: () => writer.start('exit'),
    onBatch: (batch) => writer.batch('exit', withNspid(filters.comm ? [...batch].filter((e) => filters.comm!.test(e.comm)) : batch)),
  });
}
