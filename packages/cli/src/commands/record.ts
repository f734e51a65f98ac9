// kwire record: raw frames of live sources into a capture file, with a live progress line.
import { captureSourceNames, liveRawSources, missingNetworkCapabilities, missingTracingCapabilities, PermissionError, record, type RecordProgress } from 'kwire';
import { commonOptions, parseCommon, parseTransport, transportHelp, transportOption } from '../common-options.js';
import { isOutputClosed, writeOut } from '../output.js';
import { stopAfter, type Timer } from '../run-source.js';
import { untilExit } from '../teardown.js';
import { cliError } from './flows.js';
import { formatBytes, ProgressLine } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { parseCommandLine } from '../parse.js';
import { warnIfNoNamespace } from '../namespace-check.js';
import type { Subscription } from 'rxjs';

export const recordHelp = `kwire record — record what the kernel says, undecoded, into a capture file

Usage: kwire record -o FILE [--sources exec,…] [options]

The capture holds the raw records exactly as the kernel produced them, with the host name, kernel
release and boot time, per-chunk kernel timestamps and loss counts. Replay it anywhere, without
privileges: kwire replay FILE.

Options:
  -o, --output FILE   the capture file, '-' for stdout (required)
  --sources LIST      comma-separated sources to record (default: all: ${captureSourceNames().join(',')})
  --append            add a new session at the end of FILE (default: replace FILE)
  --duration SECONDS  stop after this many seconds (default: until Ctrl-C)
  --pidns INODE       exec, exit: only processes in this pid namespace (default: all)
${transportHelp.replace('kernel→user transport', 'exec, exit: transport')}
  --cgroup PATH       flow: count the traffic of this cgroup v2 directory (default: the cgroup v2 root)
  --stats             print the totals to stderr at the end (default: off; a progress line is
                      shown on a terminal)
  -h, --help          this help

Needs CAP_BPF and CAP_PERFMON (or root); flow also CAP_NET_ADMIN.
Examples:
  kwire record -o host.kwcap --sources exec,exit --duration 60
  kwire record -o - --sources exec | kwire replay - --json`;

const progressText = (p: RecordProgress, startedMs: number) => {
  const rate = p.records / Math.max(0.001, (Date.now() - startedMs) / 1000);
  return `recording: ${p.records} records, ${formatBytes(p.bytes)}, lost ${p.lost.kernel + p.lost.ring}, ${rate.toFixed(0)} records/s`;
};

export async function recordCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, {
      output: { type: 'string', short: 'o' },
      sources: { type: 'string' },
      append: { type: 'boolean', default: false },
      duration: commonOptions.duration,
      pidns: commonOptions.pidns,
      ...transportOption,
      cgroup: { type: 'string' },
      stats: commonOptions.stats,
      help: commonOptions.help,
    });
  if (values.help) {
    writeOut(recordHelp + '\n');
    return;
  }
  const options = parseCommon({ ...values, output: undefined }); // -o is the capture here
  const transport = parseTransport(values.transport);
  warnIfNoNamespace('record', '--pidns', 'pid', options.pidns);
  if (values.output === undefined) throw new UsageError('-o FILE is required (the capture to write)');
  if (values.output === '-' && process.stdout.isTTY) throw new UsageError("-o - writes a binary capture: pipe it (| kwire replay -) or redirect it, not to the terminal");
  const known = captureSourceNames();
  const names = values.sources === undefined ? known : values.sources.split(',').filter((s) => s !== '');
  const unknown = names.filter((n) => !known.includes(n));
  if (names.length === 0 || unknown.length > 0) throw new UsageError(`--sources: unknown source '${unknown.join(',')}' (known: ${known.join(',')})`);
  if (values.cgroup !== undefined && !names.includes('flow')) throw new UsageError('--cgroup is for the flow source, which --sources leaves out');
  // Before the file is created: a missing privilege should not leave an empty capture behind.
  const missing = names.includes('flow') ? missingNetworkCapabilities() : missingTracingCapabilities();
  if (missing.length > 0) {
    const grant = `setcap ${missing.map((c) => c.toLowerCase()).join(',')}+ep $(command -v node)`;
    throw new PermissionError(`recording needs ${missing.join(' and ')} (or CAP_SYS_ADMIN): run as root or grant them, e.g. ${grant}`, missing);
  }

  const line = new ProgressLine();
  const started = Date.now();
  let last: RecordProgress = { chunks: 0, records: 0, bytes: 0, lost: { kernel: 0, ring: 0 } };
  await new Promise<void>((resolve, reject) => {
    let timer: Timer | undefined;
    let forget = () => {};
    const stop = () => {
      forget();
      timer?.cancel();
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
      subscription?.unsubscribe();
      resolve();
    };
    // Before the sources attach: a Ctrl-C while they load must stop us, not kill us with them attached.
    process.on('SIGINT', stop).on('SIGTERM', stop).on('SIGHUP', stop);
    let subscription: Subscription | undefined;
    subscription = record(liveRawSources(names, { transport, ...(options.pidns === undefined ? {} : { pidns: options.pidns }), ...(values.cgroup === undefined ? {} : { cgroup: values.cgroup }) }), values.output!, { append: values.append, onClose: (p) => (last = p) }).subscribe({
      next: (p) => {
        last = p;
        line.update(progressText(p, started));
      },
      error: (error: unknown) => {
        forget();
        timer?.cancel();
        process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
        if (isOutputClosed(error)) resolve(); // -o - into a reader that went away
        else reject(cliError(error));
      },
      complete: stop,
    });
    if (subscription.closed) return;
    forget = untilExit(() => subscription?.unsubscribe());
    if (options.durationMs !== undefined) timer = stopAfter(options.durationMs, stop);
  });
  // The summary replaces the progress line (a terminal would otherwise keep a half-drawn line, and the
  // prompt after it); without a terminal it is printed with --stats only.
  const summary = `record: ${names.join(',')} → ${values.output}: chunks=${last.chunks} records=${last.records} bytes=${last.bytes} lost.kernel=${last.lost.kernel} lost.ring=${last.lost.ring}`;
  line.done(options.stats || line.drawn ? summary : undefined);
}
