// kwire exec: execsnoop-like live exec events.
import { execs } from 'kwire';
import { commonHelp, commonOptions, latencyOption, latencyHelp, parseCommon, parseLatencyBound, parseProcessFilters, parseTransport, processFilterHelp, processFilterOptions, transportHelp, transportOption } from '../common-options.js';
import { writeOut } from '../output.js';
import { eventWriter } from '../event-writer.js';
import { runSource } from '../run-source.js';
import { addColumnAfterPid, shapes, tables } from '../tables.js';
import { nspidColumn, PidnsView } from '../pidns-view.js';
import { parseCommandLine } from '../parse.js';
import { UsageError } from '../usage-error.js';
import { cliError } from '../process-errors.js';
import { warnIfNoNamespace } from '../namespace-check.js';

export const execHelp = `kwire exec — trace every successful execve/execveat, live (like execsnoop)

Usage: kwire exec [options]

Columns: TIME (wall clock), PCOMM (new comm), PID, PPID, UID, RET (0, or a failed exec's -errno), ARGS
(filename, then argv as execve received it; '...' when cut at the kernel-side limit of 8 KiB of argv).

Options:
  -x, --failed        failed execs too, with their errno: RET < 0 (like execsnoop -x) (default: off)
  --argv FROM         'caller': argv as execve received it (a script: ./s.sh arg), read at the syscall's
                      entry by a program every syscall runs; 'exec': the new process's (a script shows
                      its interpreter first; no cost to other syscalls; no --failed) (default: caller)
${processFilterHelp}
${transportHelp}
${latencyHelp}

${commonHelp}

Needs CAP_BPF and CAP_PERFMON (or root).
Examples:
  kwire exec --duration 5
  kwire exec --json | jq 'select(.uid == 1000)'
  kwire exec -x --uid 1000 --comm '^(sh|bash)$'
  kwire exec --pidns $(stat -L -c %i /proc/$(pgrep -n mycontainerd)/ns/pid)`;

export async function execCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, { ...commonOptions, ...transportOption, ...processFilterOptions, ...latencyOption, argv: { type: 'string' } });
  if (values.help) {
    writeOut(execHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const transport = parseTransport(values.transport);
  warnIfNoNamespace('exec', '--pidns', 'pid', options.pidns);
  const filters = parseProcessFilters(values);
  const latencyBoundMs = parseLatencyBound(values['latency-bound']);
  const argv = values.argv ?? 'caller';
  if (argv !== 'caller' && argv !== 'exec') throw new UsageError(`--argv wants 'caller' or 'exec', got '${values.argv}'`);
  if (argv === 'exec' && values.failed) throw new UsageError("--failed needs --argv caller (failures are seen at the syscall's return)");
  const source = cliError(() => execs({ transport, latencyBoundMs, ...filters.kernel, failed: values.failed ?? false, argv, ...(options.pidns === undefined ? {} : { pidns: options.pidns }) }));
  // --pidns: each event's pid as that namespace sees it (nspid), beside the host's
  const view = options.pidns === undefined ? undefined : new PidnsView(options.pidns);
  if (view) addColumnAfterPid(['exec'], nspidColumn as never);
  const withNspid = <E extends { pid: number }>(events: Iterable<E>): Iterable<E> => (view ? [...events].map((e) => ({ ...e, nspid: view.nspid(e.pid, false) })) : events);
  const writer = eventWriter(options, tables, shapes);
  if (options.nats) return (await import('../nats-publish.js')).publishSource('exec', source, options); // loads NATS only when asked
  // The writer turns each batch into lines before next() returns: leased batches, no copy-out per batch.
  await runSource('exec', source.leased(), options, {
    onAttached: () => writer.start('exec'),
    onBatch: (batch) => writer.batch('exec', withNspid(filters.comm ? [...batch].filter((e) => filters.comm!.test(e.comm)) : batch)),
  });
}
