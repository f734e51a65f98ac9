// processes(): process records joined from exec and exit (or proc connector) events, over a bounded
// ProcessTable; trackProcesses() is the same join as an operator, for replays and any event stream.
import { Observable, asyncScheduler, interval, map, merge, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { execEvents } from '../generated/exec.js';
import { exitEvents } from '../generated/exit.js';
import { procEvents } from '../kinds/proc-source.js';
import type { ProcEnrichedEvent } from '../kinds/proc-tracker.js';
import { cgroupIdOfPath } from '../enrich/cgroup-paths.js';
import { missingProcConnectorCapabilities, missingTracingCapabilities } from '../platform/capabilities.js';
import { readFileSync } from 'node:fs';
import { checkBoolean, checkInteger, checkOneOf, checkOptions, invalidArgument } from '../validate.js';
import type { ExecEvent } from '../kinds/exec.js';
import { readScannedProcess, scanProcesses } from './proc-scan.js';
import type { ProcessChange, ProcessInput, ProcessRecord, ProcExecInput } from './process-record.js';
import { ProcessTable, type ProcessTableOptions } from './process-table.js';

export interface TrackProcessesOptions {
  /** The table to keep the processes in (query it with get() and ancestors()). Default: a new one. */
  table: ProcessTable;
  /** First add the processes running now, from /proc (or from this function). Default: false. */
  scan: boolean | (() => ProcessRecord[]);
  /** An exit whose process was not seen starting waits this many ms for its exec (exec and exit
   *  arrive from two rings, in either order); 0 emits it at once. Default: 500. */
  reorderWindow: number;
  /** The clock of the wait. Default: asyncScheduler. */
  scheduler: SchedulerLike;
}

/**
 * An operator joining exec and exit events (and proc connector fork/exec/exit events) into process
 * changes, with each process's record: argv, parents, cgroup, start, end, duration, exit code or
 * signal. Works on live streams and replays alike; state lives in a bounded {@link ProcessTable}.
 *
 * @example
 * const r = replay('host.kwcap');
 * merge(r.events<ExecEvent>('exec'), r.events<ExitEvent>('exit')).pipe(trackProcesses())
 *   .subscribe(({ change, process: p }) => change === 'exit' && console.log(p.pid, p.argv, p.duration, p.exitCode));
 * @throws KwireError EINVAL_ARGUMENT for a bad option.
 */
export function trackProcesses(options: Readonly<Partial<TrackProcessesOptions>> = {}): OperatorFunction<ProcessInput, ProcessChange> {
  const fn = 'trackProcesses()';
  checkOptions(fn, options);
  const { reorderWindow = 500, scheduler = asyncScheduler, scan = false } = options;
  checkInteger(fn, 'reorderWindow', reorderWindow, 0, 2 ** 31, '2^31');
  if (typeof scan !== 'function') checkBoolean(fn, 'scan', scan);
  if (options.table !== undefined && !(options.table instanceof ProcessTable)) invalidArgument(fn, 'table must be a ProcessTable');
  const table = options.table ?? new ProcessTable();
  return (source) =>
    new Observable<ProcessChange>((subscriber) => {
      const emit = (changes: ProcessChange[]) => {
        for (const c of changes) subscriber.next(c);
      };
      const settle = reorderWindow > 0 ? interval(reorderWindow, scheduler).subscribe(() => emit(table.settle(scheduler.now() - reorderWindow + 1))) : undefined;
      const upstream = source.subscribe({
        next: (e) => {
          emit(table.apply(e, scheduler.now()));
          if (reorderWindow === 0) emit(table.flush());
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          emit(table.flush());
          subscriber.complete();
        },
      });
      if (scan) emit(table.addScanned(typeof scan === 'function' ? scan() : scanProcesses()));
      return () => {
        settle?.unsubscribe();
        upstream.unsubscribe();
      };
    });
}

export interface ProcessesOptions extends ProcessTableOptions {
  /** The table (its bounds then are its own). Default: a new one with the bounds given here. */
  table: ProcessTable;
  /** Only processes of this pid namespace (inode), filtered in the kernel. Default: all. */
  pidns: number;
  /** Include the processes running at subscription, from a /proc scan (origin 'scan'). Default: true. */
  scan: boolean;
  /** See {@link TrackProcessesOptions.reorderWindow}. Default: 500. */
  reorderWindow: number;
  /** Where the events come from: 'bpf' (execEvents() and exitEvents()), 'proc' (the netlink proc
   *  connector, procEvents(): CAP_NET_ADMIN, no BPF), or 'auto': BPF when this process may trace, else
   *  the proc connector when it has CAP_NET_ADMIN. Default: 'auto'. */
  source: 'auto' | 'bpf' | 'proc';
  /** Events to join instead (a replay's, say): `source` is then not used. */
  events: Observable<ProcessInput>;
  scheduler: SchedulerLike;
}

/** processes()' stream, with the table it keeps. */
export interface ProcessSource extends Observable<ProcessChange> {
  readonly table: ProcessTable;
}

/**
 * Process changes live: exec and exit events joined by pid and start time into process records (see
 * {@link trackProcesses}), the processes already running included from a /proc scan and marked
 * (`preexisting`), forks that never exec'd included from their exits. `table` is the live process
 * tree: `get(pid)`, `ancestors(pid)`.
 *
 * @example
 * const source = processes();
 * source.subscribe(({ change, process: p }) => change === 'exit' && p.exitCode && console.log(p.pid, p.argv.join(' '), 'exited', p.exitCode));
 * setTimeout(() => console.log(source.table.ancestors(process.pid).map((p) => p.comm)), 1000);
 * @throws KwireError EINVAL_ARGUMENT for a bad option; on subscribe, what execEvents() and
 *   exitEvents() throw (PermissionError without CAP_BPF and CAP_PERFMON).
 */
export function processes(options: Readonly<Partial<ProcessesOptions>> = {}): ProcessSource {
  const fn = 'processes()';
  checkOptions(fn, options);
  const { scan = true, reorderWindow = 500, scheduler = asyncScheduler, pidns } = options;
  checkBoolean(fn, 'scan', scan);
  if (options.events !== undefined && !(options.events instanceof Observable)) invalidArgument(fn, 'events must be an Observable of exec/exit or proc events');
  const table = options.table ?? new ProcessTable({
    ...(options.maxProcesses !== undefined ? { maxProcesses: options.maxProcesses } : {}),
    ...(options.maxEnded !== undefined ? { maxEnded: options.maxEnded } : {}),
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
  });
  const { source = 'auto' } = options;
  checkOneOf(fn, 'source', source, ['auto', 'bpf', 'proc']);
  const useProc = source === 'proc' || (source === 'auto' && missingTracingCapabilities().length > 0 && missingProcConnectorCapabilities().length === 0);
  const inputs = options.events
    ?? (useProc
      ? procEvents({ events: ['fork', 'exec', 'exit'], ...(pidns ? { pidns } : {}) }).pipe(map(fromProc))
      : merge<ProcessInput[]>(execEvents(pidns ? { pidns } : {}), exitEvents(pidns ? { pidns } : {})));
  const stream = inputs.pipe(
    map((e) => (e.type === 'proc-exec' ? execFromProc(e) : e)),
    trackProcesses({ table, scan, reorderWindow, scheduler }),
  ) as ProcessSource;
  Object.defineProperty(stream, 'table', { value: table });
  return stream;
}

/** A proc connector exec has no argv: read it from /proc while the process lives. */
function execFromProc(e: ProcExecInput): ExecEvent | ProcExecInput {
  const pid = e.tgid ?? e.pid;
  try {
    const record = readScannedProcess('/proc', pid);
    if (!record) return e;
    return { type: 'exec', ts: e.ts, pid, ppid: record.ppid, uid: record.uid ?? 0, gid: 0, comm: record.comm, filename: record.filename, argv: record.argv, truncated: false, ret: 0, pidns: 0, cgroupId: record.cgroupId };
  } catch {
    return e;
  }
}

/** A proc connector event as the join reads it: procEvents() read an exec's argv, exe, uid and parent
 *  from /proc as it arrived; the cgroup is read here. */
function fromProc(e: ProcEnrichedEvent): ProcessInput {
  if (e.type === 'proc-exec' && e.cmdline !== undefined) {
    let cgroupId = 0n;
    try {
      const path = /^0::(.*)$/m.exec(readFileSync(`/proc/${e.tgid}/cgroup`, 'utf8'))?.[1];
      cgroupId = (path !== undefined ? cgroupIdOfPath(path) : undefined) ?? 0n;
    } catch {
      /* gone already */
    }
    return { type: 'exec', ts: e.ts, pid: e.tgid, ppid: e.ppid ?? 0, uid: e.uid ?? 0, gid: 0, comm: e.comm ?? '', filename: e.exe ?? '', argv: e.cmdline, truncated: false, ret: 0, pidns: e.pidns ?? 0, cgroupId };
  }
  return e as ProcessInput;
}
