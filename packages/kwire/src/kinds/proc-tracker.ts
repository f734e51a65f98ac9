// The bookkeeping behind procEvents(): a table of the processes alive, from an initial /proc scan and
// then from the events themselves, so that events carry what /proc said when they arrived (an exec's
// comm, cmdline and exe; every event's pid namespace) and an exit still has its process's name after
// /proc has lost it. Threads are tracked per process, so "the process ended" is its last task's exit
// even when the leader exited first. After a loss, resync() compares the table with /proc and emits
// what was missed: synthetic exits for processes that are gone, execs for processes it did not know.
import type { ProcEvent, ProcEventName } from './proc.js';
import { commOf, isRunning, listProcesses, listThreads, pidNamespaceOf, readProcess, type ProcInfo } from './proc-scan.js';

/** What procEvents() adds to a proc connector event (ProcEvent). */
export interface ProcEnrichment {
  /** 'kernel': a proc connector message; 'scan': a process that was running when the source started
   *  (a proc-exec, with `scan: true` only); 'resync': an event missed in a loss, rebuilt from /proc. */
  origin: 'kernel' | 'scan' | 'resync';
  /** The process's comm: /proc's at its exec or at the scan, its parent's at a fork. */
  comm?: string;
  /** Exec, scan and exit: the argv /proc held at its exec (an exit: remembered). */
  cmdline?: string[];
  /** Exec, scan and exit: readlink /proc/PID/exe at its exec (an exit: remembered). */
  exe?: string;
  /** Inode of the process's pid namespace (remembered for exits; absent when unknown). */
  pidns?: number;
  /** Exec and scan: real uid. */
  uid?: number;
  /** Exec and scan: parent process id (exec: from /proc). */
  ppid?: number;
  /** Scan and resync: boot-time ns when the process started. */
  startTime?: bigint;
  /** Exec: the process was gone (or a zombie) before /proc could be read: cmdline and exe are unknown,
   *  comm is a zombie's or absent. */
  gone?: boolean;
  /** Exit: its name is remembered (from the scan, its fork or its exec), so comm (and cmdline and exe
   *  when its exec found it in /proc) are given although /proc no longer has it. */
  known?: boolean;
  /** Exit: the last task of the process exited (the process ended); false for a thread's exit. */
  processExit?: boolean;
}

/** A proc connector event with what procEvents() adds from /proc and from memory. */
export type ProcEnrichedEvent = ProcEvent & ProcEnrichment;

/** What the tracker counted since its source started. */
export interface ProcTrackerStats {
  /** Processes in the table now. */
  tracked: number;
  /** /proc resynchronisations after a loss. */
  resyncs: number;
  /** Exits and execs a resynchronisation emitted. */
  syntheticExits: number;
  syntheticExecs: number;
  /** Execs whose process was gone before /proc could be read (flagged `gone`, not dropped). */
  execsGone: number;
  /** Process exits given a remembered name after /proc had lost the process. */
  exitsKnown: number;
  /** Process exits without a name: never seen (started and ended inside a loss, say) or its exec found it gone. */
  exitsUnknown: number;
}

interface Tracked {
  info: ProcInfo;
  /** Task ids of its threads other than the leader. */
  threads: Set<number>;
  /** The leader's own exit was seen (it may go before the other threads). */
  leaderGone: boolean;
}

type Emit = (event: ProcEnrichedEvent) => void;

const unknownInfo = (): ProcInfo => ({ comm: '', cmdline: [], exe: '', ppid: 0, uid: 0, pidns: 0, startTime: 0n });
const withPidns = (info: ProcInfo) => (info.pidns ? { pidns: info.pidns } : {});
/** What the table remembers of a process for its exit: only what it knows (a gone exec knew nothing). */
const nameOf = (info: ProcInfo) => ({
  ...(info.comm ? { comm: info.comm } : {}), ...(info.cmdline.length ? { cmdline: info.cmdline } : {}), ...(info.exe ? { exe: info.exe } : {}), ...withPidns(info),
});

/** The process table of one shared proc connector socket. */
export class ProcTracker {
  private readonly table = new Map<number, Tracked>();
  private readonly counts = { resyncs: 0, syntheticExits: 0, syntheticExecs: 0, execsGone: 0, exitsKnown: 0, exitsUnknown: 0 };

  /** Fills the table from /proc (every running process and its threads). */
  scan(): void {
    for (const pid of listProcesses()) {
      const info = readProcess(pid);
      if (info) this.table.set(pid, { info, threads: new Set(listThreads(pid)), leaderGone: false });
    }
  }

  /** The table as scan events (`origin: 'scan'`), for a subscriber that asks for them. */
  *scanEvents(): Generator<ProcEnrichedEvent> {
    const ts = process.hrtime.bigint();
    for (const [pid, t] of this.table) yield this.execOf(pid, t.info, ts, 'scan');
  }

  /** The pids of the processes the table holds (alive as far as the events and resyncs tell). */
  livePids(): Set<number> {
    return new Set(this.table.keys());
  }

  stats(): ProcTrackerStats {
    return { tracked: this.table.size, ...this.counts };
  }

  /** Updates the table with one kernel event and emits it with its enrichment. */
  apply(e: ProcEvent, emit: Emit): void {
    const t = this.table.get(e.tgid);
    switch (e.type) {
      case 'proc-fork': {
        if (e.pid !== e.tgid) {
          t?.threads.add(e.pid);
          emit({ ...e, origin: 'kernel', ...(t ? { comm: t.info.comm, ...withPidns(t.info) } : {}) });
          return;
        }
        const parent = this.table.get(e.ptgid)?.info;
        // A fork inherits its parent's name; its pid namespace is read (CLONE_NEWPID changes it). A child
        // gone before it could be read is taken to be in its parent's namespace, from the table or, for
        // a parent that started before this table, from /proc.
        const info: ProcInfo = parent ? { ...parent, ppid: e.ptgid, startTime: e.ts } : (readProcess(e.pid) ?? { ...unknownInfo(), ppid: e.ptgid });
        info.pidns = pidNamespaceOf(e.pid) || (parent ? parent.pidns : pidNamespaceOf(e.ptgid));
        this.table.set(e.pid, { info, threads: new Set(), leaderGone: false });
        emit({ ...e, origin: 'kernel', comm: info.comm, ...withPidns(info) });
        return;
      }
      case 'proc-exec': {
        const info = readProcess(e.tgid);
        if (!info) {
          // Gone (or a zombie, which keeps only its comm): flagged, not dropped; the table forgets the
          // pre-exec name so that the exit does not carry it.
          this.counts.execsGone++;
          const comm = commOf(e.tgid);
          const pidns = t?.info.pidns ?? 0;
          this.table.set(e.tgid, { info: { ...unknownInfo(), comm: comm ?? '', ppid: t?.info.ppid ?? 0, pidns }, threads: new Set(), leaderGone: false });
          emit({ ...e, origin: 'kernel', gone: true, ...(comm !== undefined ? { comm } : {}), ...(pidns ? { pidns } : {}) });
          return;
        }
        // exec ends every other thread first (de_thread): their exits came before this event
        this.table.set(e.tgid, { info, threads: new Set(), leaderGone: false });
        emit({ ...e, origin: 'kernel', comm: info.comm, cmdline: info.cmdline, exe: info.exe, ppid: info.ppid, uid: info.uid, ...withPidns(info), gone: false });
        return;
      }
      case 'proc-exit': {
        let processExit = e.pid === e.tgid;
        if (t) {
          if (e.pid === e.tgid) t.leaderGone = true;
          else t.threads.delete(e.pid);
          processExit = t.leaderGone && t.threads.size === 0;
          if (processExit) this.table.delete(e.tgid);
        }
        const named = t !== undefined && t.info.comm !== '';
        if (processExit) this.counts[named ? 'exitsKnown' : 'exitsUnknown']++;
        emit({ ...e, origin: 'kernel', ...(t ? nameOf(t.info) : {}), known: named, processExit });
        return;
      }
      case 'proc-comm':
        if (t && e.pid === e.tgid) t.info.comm = e.comm;
        emit({ ...e, origin: 'kernel', ...(t ? withPidns(t.info) : {}) });
        return;
      case 'proc-uid':
        if (t && e.pid === e.tgid) t.info.uid = e.ruid;
        emit({ ...e, origin: 'kernel', ...(t ? { comm: t.info.comm, ...withPidns(t.info) } : {}) });
        return;
      case 'proc-ack':
        emit({ ...e, origin: 'kernel' });
        return;
      default:
        emit({ ...e, origin: 'kernel', ...(t ? { comm: t.info.comm, ...withPidns(t.info) } : {}) });
    }
  }

  /**
   * After a loss: every process of the table that /proc no longer runs gets a synthetic exit, every
   * process /proc runs that the table lacks a synthetic exec (`origin: 'resync'`), and the threads of
   * multi-threaded processes are read again.
   */
  resync(emit: Emit): void {
    this.counts.resyncs++;
    const ts = process.hrtime.bigint();
    const listed = new Set(listProcesses());
    for (const [pid, t] of this.table) {
      if (listed.has(pid) && isRunning(pid)) {
        if (t.threads.size > 0 || t.leaderGone) t.threads = new Set(listThreads(pid));
        continue;
      }
      this.table.delete(pid);
      this.counts.syntheticExits++;
      emit({
        type: 'proc-exit', origin: 'resync', ts, cpu: -1, pid, tgid: pid, status: 0, exitCode: 0, signal: 0, coreDump: false, exitSignal: 0,
        ppid: t.info.ppid, ptgid: t.info.ppid, ...nameOf(t.info), known: t.info.comm !== '', processExit: true,
      });
    }
    for (const pid of listed) {
      if (this.table.has(pid)) continue;
      const info = readProcess(pid);
      if (!info) continue;
      this.table.set(pid, { info, threads: new Set(listThreads(pid)), leaderGone: false });
      this.counts.syntheticExecs++;
      emit(this.execOf(pid, info, ts, 'resync'));
    }
  }

  private execOf(pid: number, info: ProcInfo, ts: bigint, origin: 'scan' | 'resync'): ProcEnrichedEvent {
    return {
      type: 'proc-exec', origin, ts, cpu: -1, pid, tgid: pid, comm: info.comm, cmdline: info.cmdline, exe: info.exe,
      ppid: info.ppid, uid: info.uid, ...withPidns(info), startTime: info.startTime, gone: false,
    };
  }
}

/** Whether an event reaches a subscriber that does not want threads: it concerns a process as a whole. */
export function isProcessLevel(e: ProcEnrichedEvent): boolean {
  if (e.type === 'proc-exit') return e.processExit === true;
  if (e.type === 'proc-exec' || e.type === 'proc-ack') return true;
  return e.pid === e.tgid;
}

/** The event name of an event type: 'proc-exit' → 'exit'. */
export const eventName = (e: ProcEvent): ProcEventName => e.type.slice(5) as ProcEventName;
