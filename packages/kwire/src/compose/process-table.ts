// The state processes() keeps: running processes by pid, recently ended ones (for ancestors and late
// events), and exits waiting for an exec that may still arrive (exec and exit come from two rings, so
// a short process's exit can arrive first). Every part is bounded; what is dropped is counted.
import { checkInteger, checkOptions } from '../validate.js';
import type { ExecEvent } from '../kinds/exec.js';
import type { ExitEvent } from '../kinds/exit.js';
import type { ProcessChange, ProcessInput, ProcessRecord, ProcExecInput, ProcExitInput, ProcForkInput } from './process-record.js';

export interface ProcessTableOptions {
  /** Running processes kept at most; beyond it the least recently active is evicted (counted: its
   *  exit was most likely lost). Default: 32 768. */
  maxProcesses: number;
  /** Ended processes kept for ancestors() and get(). Default: 4096. */
  maxEnded: number;
  /** Exits waiting for their exec kept at most. Default: 4096. */
  maxPending: number;
}

/** The table's sizes and what it dropped or inferred. */
export interface ProcessTableStats {
  running: number;
  ended: number;
  pendingExits: number;
  /** Running processes dropped to stay within maxProcesses. */
  evicted: number;
  /** Entries found stale by start time (the pid was reused and the old exit was lost). */
  pidReused: number;
  /** Exits of processes whose start was not seen (forks that never exec'd, or older processes). */
  exitsWithoutStart: number;
  scanned: number;
  execs: number;
  exits: number;
  forks: number;
}

/** Start times from /proc have 10 ms ticks; a fork event's time is within this of its task's start. */
const TOLERANCE = 20_000_000n;

/**
 * Processes by pid: the live process tree with its recent past, fed by processes() (or by hand with
 * `apply`). Pid reuse is told apart by start time. Bounded: see {@link ProcessTableOptions}.
 *
 * @example
 * const table = new ProcessTable({ maxProcesses: 10_000 });
 * processes({ table }).subscribe();
 * setTimeout(() => console.log(table.ancestors(process.pid).map((p) => p.comm)), 1000);
 * @throws KwireError EINVAL_ARGUMENT for a bad option.
 */
export class ProcessTable {
  private readonly live = new Map<number, ProcessRecord>();
  private readonly ended = new Map<number, ProcessRecord>();
  private readonly pending = new Map<number, { record: ProcessRecord; at: number }>();
  private readonly max: ProcessTableOptions;
  private readonly counts = { evicted: 0, pidReused: 0, exitsWithoutStart: 0, scanned: 0, execs: 0, exits: 0, forks: 0 };

  constructor(options: Readonly<Partial<ProcessTableOptions>> = {}) {
    const fn = 'new ProcessTable()';
    checkOptions(fn, options);
    const { maxProcesses = 32_768, maxEnded = 4096, maxPending = 4096 } = options;
    checkInteger(fn, 'maxProcesses', maxProcesses, 1, 1 << 24, '2^24');
    checkInteger(fn, 'maxEnded', maxEnded, 0, 1 << 24, '2^24');
    checkInteger(fn, 'maxPending', maxPending, 0, 1 << 24, '2^24');
    this.max = { maxProcesses, maxEnded, maxPending };
  }

  /** The running process with this pid, else the last one that ended with it. */
  get(pid: number): ProcessRecord | undefined {
    return this.live.get(pid) ?? this.ended.get(pid);
  }

  /** The process's parent, its parent's parent… as far as the table knows them (each one alive when
   *  its child started). */
  ancestors(pid: number): ProcessRecord[] {
    const out: ProcessRecord[] = [];
    let child = this.get(pid);
    const seen = new Set<number>([pid]);
    while (child && child.ppid !== 0 && !seen.has(child.ppid)) {
      seen.add(child.ppid);
      const parent = this.get(child.ppid);
      if (!parent || parent.start > child.start + TOLERANCE || (parent.end !== undefined && parent.end + TOLERANCE < child.start)) break;
      out.push(parent);
      child = parent;
    }
    return out;
  }

  /** The running processes, least recently active first. */
  running(): ProcessRecord[] {
    return [...this.live.values()];
  }

  /** The table's sizes now, and what it evicted, inferred and counted so far. */
  stats(): ProcessTableStats {
    return { running: this.live.size, ended: this.ended.size, pendingExits: this.pending.size, ...this.counts };
  }

  /** Adds processes found running by a scan. */
  addScanned(records: readonly ProcessRecord[]): ProcessChange[] {
    const out: ProcessChange[] = [];
    for (const r of records) {
      if (this.live.has(r.pid)) continue;
      this.counts.scanned++;
      this.touch(r, out);
      out.push({ change: 'scan', process: r });
    }
    return out;
  }

  /** Applies one event; `now` (any clock, ms) dates exits that wait for their exec. */
  apply(e: ProcessInput, now = 0): ProcessChange[] {
    const out: ProcessChange[] = [];
    if (e.type === 'exec') this.exec(e, out);
    else if (e.type === 'exit') this.exit(e.pid, e.ppid, e.comm, e.cgroupId, e.startTime, e.exitTime, e, now, out);
    else if (e.type === 'proc-fork') this.fork(e, out);
    else if (e.type === 'proc-exec') this.procExec(e, out);
    else if (e.type === 'proc-exit') this.procExit(e, now, out);
    return out;
  }

  /** Exits that waited since before `before` for their exec: emitted as they are. */
  settle(before: number): ProcessChange[] {
    const out: ProcessChange[] = [];
    for (const [pid, p] of this.pending) {
      if (p.at >= before) break;
      this.pending.delete(pid);
      this.end(p.record, out);
    }
    return out;
  }

  /** Every waiting exit, emitted now (the input ended). */
  flush(): ProcessChange[] {
    return this.settle(Infinity);
  }

  private exec(e: ExecEvent, out: ProcessChange[]): void {
    this.counts.execs++;
    const waiting = this.pending.get(e.pid);
    if (waiting && waiting.record.start <= e.ts + TOLERANCE && e.ts <= waiting.record.end!) {
      // The exit came first: this exec is its process's.
      this.pending.delete(e.pid);
      const r = waiting.record;
      Object.assign(r, { comm: e.comm, filename: e.filename, argv: e.argv, uid: e.uid, cgroupId: e.cgroupId, execTime: e.ts, execs: r.execs + 1, origin: 'exec' as const });
      this.counts.exitsWithoutStart--;
      out.push({ change: 'exec', process: r });
      this.end(r, out);
      return;
    }
    if (waiting) {
      this.pending.delete(e.pid);
      this.end(waiting.record, out);
    }
    const r = this.live.get(e.pid);
    if (r) {
      Object.assign(r, { comm: e.comm, filename: e.filename, argv: e.argv, uid: e.uid, cgroupId: e.cgroupId, execTime: e.ts, execs: r.execs + 1 });
      if (!r.ppid) r.ppid = e.ppid;
      this.touch(r, out);
      out.push({ change: 'exec', process: r });
      return;
    }
    const fresh: ProcessRecord = {
      pid: e.pid, ppid: e.ppid, comm: e.comm, filename: e.filename, argv: e.argv, uid: e.uid, cgroupId: e.cgroupId,
      start: e.ts, startExact: false, execTime: e.ts, execs: 1, origin: 'exec', preexisting: false,
    };
    this.touch(fresh, out);
    out.push({ change: 'exec', process: fresh });
  }

  private exit(pid: number, ppid: number, comm: string, cgroupId: bigint, start: bigint | undefined, end: bigint, status: Pick<ExitEvent, 'exitCode' | 'signal' | 'coreDump'>, now: number, out: ProcessChange[]): void {
    this.counts.exits++;
    let r = this.live.get(pid);
    if (r && start !== undefined && !this.sameStart(r, start)) {
      // The entry is an older process with this pid whose exit was lost.
      this.live.delete(pid);
      this.counts.pidReused++;
      out.push({ change: 'evicted', process: r });
      r = undefined;
    }
    const exited = { end, exitCode: status.exitCode, signal: status.signal, coreDump: status.coreDump };
    if (r) {
      this.live.delete(pid);
      if (start !== undefined) Object.assign(r, { start, startExact: true });
      Object.assign(r, exited, { duration: end - r.start });
      if (!r.ppid) r.ppid = ppid;
      this.end(r, out);
      return;
    }
    this.counts.exitsWithoutStart++;
    const s = start ?? end;
    const record: ProcessRecord = {
      pid, ppid, comm, filename: '', argv: [], cgroupId, start: s, startExact: start !== undefined, execs: 0, origin: 'exit', preexisting: false,
      ...exited, duration: end - s,
    };
    if (this.max.maxPending === 0) return this.end(record, out);
    const older = this.pending.get(pid);
    if (older) {
      this.pending.delete(pid);
      this.end(older.record, out);
    }
    this.pending.set(pid, { record, at: now });
    if (this.pending.size > this.max.maxPending) {
      const [firstPid, first] = this.pending.entries().next().value!;
      this.pending.delete(firstPid);
      this.end(first.record, out);
    }
  }

  private fork(e: ProcForkInput, out: ProcessChange[]): void {
    const pid = e.tgid ?? e.pid;
    if (pid !== e.pid) return; // a new thread, not a process
    this.counts.forks++;
    const ppid = e.ptgid ?? e.ppid;
    const old = this.live.get(pid);
    if (old) {
      this.live.delete(pid);
      this.counts.pidReused++;
      out.push({ change: 'evicted', process: old });
    }
    const parent = this.live.get(ppid);
    const r: ProcessRecord = {
      pid, ppid, comm: parent?.comm ?? '', filename: parent?.filename ?? '', argv: parent?.argv ?? [], ...(parent?.uid !== undefined ? { uid: parent.uid } : {}),
      cgroupId: parent?.cgroupId ?? 0n, start: e.ts, startExact: true, execs: 0, origin: 'fork', preexisting: false,
    };
    this.touch(r, out);
    out.push({ change: 'fork', process: r });
  }

  private procExec(e: ProcExecInput, out: ProcessChange[]): void {
    const pid = e.tgid ?? e.pid;
    this.counts.execs++;
    let r = this.live.get(pid);
    if (!r) r = { pid, ppid: 0, comm: '', filename: '', argv: [], cgroupId: 0n, start: e.ts, startExact: false, execs: 0, origin: 'exec', preexisting: false };
    Object.assign(r, { execTime: e.ts, execs: r.execs + 1 });
    this.touch(r, out);
    out.push({ change: 'exec', process: r });
  }

  private procExit(e: ProcExitInput, now: number, out: ProcessChange[]): void {
    const pid = e.tgid ?? e.pid;
    // A thread's exit is not its process's (procEvents() reports a process's end at its last task,
    // whichever task that is, with processExit true).
    if (e.processExit === false || (e.processExit === undefined && pid !== e.pid)) return;
    const r = this.live.get(pid);
    this.exit(pid, r?.ppid ?? 0, r?.comm ?? '', r?.cgroupId ?? 0n, undefined, e.ts, { exitCode: e.exitCode, signal: e.signal, coreDump: false }, now, out);
  }

  private sameStart(r: ProcessRecord, start: bigint): boolean {
    if (r.startExact) return r.start - start <= TOLERANCE && start - r.start <= TOLERANCE;
    return start <= r.start + TOLERANCE; // r.start is its exec time: the process started before it
  }

  /** Makes r the most recently active running process, evicting the least recent beyond the bound. */
  private touch(r: ProcessRecord, out: ProcessChange[]): void {
    this.live.delete(r.pid);
    this.live.set(r.pid, r);
    if (this.live.size > this.max.maxProcesses) {
      const [pid, oldest] = this.live.entries().next().value!;
      this.live.delete(pid);
      this.counts.evicted++;
      out.push({ change: 'evicted', process: oldest });
    }
  }

  private end(r: ProcessRecord, out: ProcessChange[]): void {
    out.push({ change: 'exit', process: r });
    if (this.max.maxEnded === 0) return;
    this.ended.delete(r.pid);
    this.ended.set(r.pid, r);
    if (this.ended.size > this.max.maxEnded) this.ended.delete(this.ended.keys().next().value!);
  }
}
