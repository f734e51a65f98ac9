// kwire proc: process events of the netlink proc connector, live, without BPF (CAP_NET_ADMIN only).
import { Observable } from 'rxjs';
import { procEventNames, procEvents, type Batch, type KernelSource, type ProcEnrichedEvent, type ProcEventName } from 'kwire';
import { commonHelpWithout, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { writeOut } from '../output.js';
import { parseCommandLine } from '../parse.js';
import { runSource } from '../run-source.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';

const defaultEvents = procEventNames.filter((n) => n !== 'ack');

export const procHelp = `kwire proc — process events of the netlink proc connector, live, without BPF

Usage: kwire proc [options]

Columns: TIME (wall clock), EVENT (fork, exec, exit, uid, gid, sid, ptrace, comm, coredump), PID, PPID,
COMM (read from /proc when the event arrived, remembered for exits), EXIT/SIGNAL/ARGS ('code N' or
'signal N' for an exit, the command line for an exec, the new ids for uid/gid).

Options:
  --events LIST       comma-separated event names (default: ${defaultEvents.join(',')}; 'ack' too on request)
  --threads           events of every thread too (default: one fork and one exit per process, the exit
                      when its last thread ends)
  --scan              first print every process already running, as an exec (JSON: "origin": "scan")
                      (default: off)
  --rcvbuf BYTES      socket receive buffer (default: 8388608); losses are counted (--stats: lost.enobufs)
                      and followed by a /proc resynchronisation whose events say "origin": "resync"

${commonHelpWithout('addresses')}

JSON fields: type (proc-fork, proc-exec, proc-exit, …), ts (CLOCK_MONOTONIC ns), cpu, pid, tgid, and per
type ppid, ptgid, exitCode, signal, status, exitSignal, ruid/euid, rgid/egid, comm; enrichment: origin,
comm, cmdline, exe, pidns, uid, gone (an exec whose process had already gone), known and processExit
(exits).

Needs CAP_NET_ADMIN (or root) in the initial user and pid namespace; no BPF.
Examples:
  kwire proc --duration 5
  kwire proc --events exec,exit --json | jq 'select(.type == "proc-exit" and .exitCode != 0)'
  kwire proc --scan --events exec --duration 1 --json     # what runs now, then what starts`;

function parseEvents(value: string | undefined): ProcEventName[] {
  if (value === undefined) return defaultEvents;
  const names = value.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !procEventNames.includes(n as ProcEventName));
  if (bad.length > 0 || names.length === 0) throw new UsageError(`--events wants names from ${procEventNames.join(',')}, got '${bad.join(',') || value}'`);
  return names as ProcEventName[];
}

function parseRcvbuf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 30) throw new UsageError(`--rcvbuf wants a byte count from 0 to 1073741824, got '${value}'`);
  return n;
}

/** The events emitted within one drain of the socket's ring, as one batch for the writer. */
function batched(events: Observable<ProcEnrichedEvent>): Observable<ProcEnrichedEvent[]> {
  return new Observable((subscriber) => {
    let pending: ProcEnrichedEvent[] = [];
    const flush = () => {
      const out = pending;
      pending = [];
      if (out.length > 0) subscriber.next(out);
    };
    const subscription = events.subscribe({
      next: (e) => {
        if (pending.push(e) === 1) queueMicrotask(flush);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        flush();
        subscriber.complete();
      },
    });
    return () => {
      subscription.unsubscribe();
      pending = [];
    };
  });
}

export async function procCommand(args: string[]): Promise<void> {
  const { addresses: _, ...options } = commonOptions;
  const { values } = parseCommandLine(args, {
    ...options, events: { type: 'string' }, threads: { type: 'boolean', default: false }, scan: { type: 'boolean', default: false }, rcvbuf: { type: 'string' },
  });
  if (values.help) {
    writeOut(procHelp + '\n');
    return;
  }
  const common = parseCommon(values);
  const rcvbuf = parseRcvbuf(values.rcvbuf);
  const events = procEvents({
    events: parseEvents(values.events), threads: values.threads ?? false, scan: values.scan ?? false,
    ...(common.pidns === undefined ? {} : { pidns: common.pidns }), ...(rcvbuf === undefined ? {} : { rcvbuf }),
  });
  const source = Object.assign(batched(events), { stats: () => events.stats() }) as unknown as KernelSource<Batch<ProcEnrichedEvent>>;
  const writer = eventWriter(common, tables, shapes);
  await runSource('proc', source, common, {
    onAttached: () => writer.start('proc'),
    onBatch: (batch) => writer.batch('proc', batch),
  });
  if (common.stats) {
    const s = events.stats();
    const t = s.tracker;
    process.stderr.write(`proc: lost.enobufs=${s.lost.enobufs} resyncs=${t.resyncs} syntheticExits=${t.syntheticExits} syntheticExecs=${t.syntheticExecs} execsGone=${t.execsGone} exitsKnown=${t.exitsKnown} exitsUnknown=${t.exitsUnknown} tracked=${t.tracked}\n`);
  }
}
