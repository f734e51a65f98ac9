// What processes() emits and what it reads: process records, joined from exec and exit events (or the
// proc connector's fork, exec and exit), and the changes that made them.
import type { ExecEvent } from '../kinds/exec.js';
import type { ExitEvent } from '../kinds/exit.js';

/** How a process became known: its exec, its fork (proc connector), only its exit (a fork that never
 *  exec'd, or one that started before the subscription and was not scanned), or the /proc scan of
 *  processes already running when the subscription started. */
export type ProcessOrigin = 'exec' | 'fork' | 'exit' | 'scan';

/** One process: pid and start time name it (a pid is reused; its start time is not). */
export interface ProcessRecord {
  pid: number;
  ppid: number;
  /** The last exec's comm, else what the exit or scan said. */
  comm: string;
  /** The last exec's filename ('' when no exec was seen). */
  filename: string;
  /** The last exec's argv ([] when no exec was seen; the scan reads /proc/PID/cmdline). */
  argv: string[];
  uid?: number;
  cgroupId: bigint;
  /** Boot-time ns the process started: exact from its exit or fork; from /proc (10 ms ticks) for a
   *  scanned one; until then the exec time, an upper bound (startExact false). */
  start: bigint;
  startExact: boolean;
  /** Boot-time ns of its last exec. */
  execTime?: bigint;
  /** Execs seen (a process may exec again). */
  execs: number;
  /** Boot-time ns it exited, once it did. */
  end?: bigint;
  /** end − start, ns. */
  duration?: bigint;
  exitCode?: number;
  signal?: number;
  coreDump?: boolean;
  origin: ProcessOrigin;
  /** Running when the subscription started (found by the /proc scan). */
  preexisting: boolean;
}

/** What happened to a process: `exit` carries the whole record (argv, durations, exit status);
 *  `evicted` says the table dropped it to stay in bounds (its exit was likely lost). */
export interface ProcessChange {
  change: 'scan' | 'fork' | 'exec' | 'exit' | 'evicted';
  process: ProcessRecord;
}

/** A proc connector fork (issue 11's `proc-fork`): child `pid`/`tgid`, parent `ppid`/`ptgid`. */
export interface ProcForkInput {
  type: 'proc-fork';
  ts: bigint;
  pid: number;
  tgid?: number;
  ppid: number;
  ptgid?: number;
}

/** A proc connector exec: the process `pid`/`tgid` replaced its image (no argv in the message). */
export interface ProcExecInput {
  type: 'proc-exec';
  ts: bigint;
  pid: number;
  tgid?: number;
}

/** A proc connector exit: exit code and signal of `pid`/`tgid`. */
export interface ProcExitInput {
  type: 'proc-exit';
  ts: bigint;
  pid: number;
  tgid?: number;
  exitCode: number;
  signal: number;
  /** false for a thread's exit (procEvents({ threads: true })); the process ends at its last task. */
  processExit?: boolean;
}

/** What processes() joins: exec and exit events, and proc connector fork/exec/exit events. */
export type ProcessInput = ExecEvent | ExitEvent | ProcForkInput | ProcExecInput | ProcExitInput;
