// What /proc says about a process: the enrichment of proc connector events (comm, cmdline, exe, ppid,
// uid, pid namespace, start time), the initial scan and the resynchronisation after loss, and
// findDeletedProcesses (the seed's FindDeletedProcesses). Reads are synchronous and small; a process
// that goes away mid-read reads as gone.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { invalidArgument } from '../validate.js';

/** What /proc held about a process when kwire read it. */
export interface ProcInfo {
  /** /proc/PID/comm (16 bytes at most). */
  comm: string;
  /** argv as /proc/PID/cmdline has it (empty for kernel threads). */
  cmdline: string[];
  /** readlink /proc/PID/exe ('' for kernel threads or when unreadable). */
  exe: string;
  /** Parent process id. */
  ppid: number;
  /** Real uid. */
  uid: number;
  /** Inode of its pid namespace (0 when unreadable). */
  pidns: number;
  /** Boot-time nanoseconds when it started (/proc/PID/stat starttime, in USER_HZ ticks of 10 ms). */
  startTime: bigint;
}

const USER_HZ_NS = 10_000_000n; // sysconf(_SC_CLK_TCK) is 100 on Linux x86 and arm

const text = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
};

const link = (path: string): string => {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
};

/** The pid namespace inode of a task, or 0 when /proc does not say. */
export function pidNamespaceOf(pid: number): number {
  const m = /^pid:\[(\d+)\]$/.exec(link(`/proc/${pid}/ns/pid`));
  return m ? Number(m[1]) : 0;
}

/** /proc/PID/stat split after the comm (which may hold spaces and parentheses): [state, ppid, …]. */
function statFields(pid: number): { comm: string; rest: string[] } | undefined {
  const stat = text(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  return { comm: stat.slice(open + 1, close), rest: stat.slice(close + 2).split(' ') };
}

/**
 * What /proc holds about process `pid` now, or undefined when it is gone (or a zombie: it has exited,
 * only its parent's wait is left).
 *
 * @example
 * const self = readProcess(process.pid); // { comm: 'node', cmdline: [...], exe: '/usr/bin/node', ppid, uid, pidns, startTime }
 */
export function readProcess(pid: number): ProcInfo | undefined {
  const stat = statFields(pid);
  // rest[0] is the state, rest[1] ppid, rest[19] starttime (fields 3, 4 and 22 of proc(5))
  if (!stat || stat.rest[0] === 'Z' || stat.rest[0] === 'X') return undefined;
  const cmdline = text(`/proc/${pid}/cmdline`) ?? '';
  const args = cmdline === '' ? [] : cmdline.replace(/\0$/, '').split('\0');
  const uid = /\nUid:\s+(\d+)/.exec(text(`/proc/${pid}/status`) ?? '');
  return {
    comm: (text(`/proc/${pid}/comm`) ?? stat.comm + '\n').replace(/\n$/, ''),
    cmdline: args.map((a) => Buffer.from(a, 'latin1').toString('utf8')),
    exe: link(`/proc/${pid}/exe`),
    ppid: Number(stat.rest[1]),
    uid: uid ? Number(uid[1]) : 0,
    pidns: pidNamespaceOf(pid),
    startTime: BigInt(stat.rest[19] ?? 0) * USER_HZ_NS,
  };
}

/** Whether process `pid` runs: /proc lists it and it is not a zombie. */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.rest[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The comm of a process /proc still lists, zombies included (a zombie keeps its comm, not its argv). */
export function commOf(pid: number): string | undefined {
  return statFields(pid)?.comm;
}

/** The process ids /proc lists now (thread groups; threads are hidden), zombies included. */
export function listProcesses(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) if (/^\d+$/.test(name)) pids.push(Number(name));
  return pids;
}

/** The thread ids of process `pid` other than its own (empty when gone or single-threaded). */
export function listThreads(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).filter((t) => /^\d+$/.test(t)).map(Number).filter((t) => t !== pid);
  } catch {
    return [];
  }
}

/**
 * The pids among `pids` whose processes have ended: /proc no longer lists them (Datadog's
 * FindDeletedProcesses). Takes the keys of a Map or any iterable of pids.
 *
 * @throws KwireError EINVAL_ARGUMENT when pids is not a Map or an iterable of positive integers.
 * @example
 * const watched = new Map([[1234, 'nginx'], [5678, 'redis']]);
 * for (const pid of findDeletedProcesses(watched)) watched.delete(pid);
 */
export function findDeletedProcesses(pids: Iterable<number> | ReadonlyMap<number, unknown>): Set<number> {
  const fn = 'findDeletedProcesses()';
  if (typeof (pids as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] !== 'function') {
    invalidArgument(fn, `pids must be a Map keyed by pid or an iterable of pids, got ${pids === null ? 'null' : typeof pids}`);
  }
  const gone = new Set<number>();
  const keys = pids instanceof Map ? pids.keys() : (pids as Iterable<number>);
  for (const pid of keys) {
    if (!Number.isInteger(pid) || pid <= 0) invalidArgument(fn, `pids must be positive integers, got ${String(pid)}`);
    if (!isRunning(pid)) gone.add(pid);
  }
  return gone;
}
