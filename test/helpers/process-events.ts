// Exec and exit events made by hand, for the process-join tests.
import type { ExecEvent, ExitEvent } from 'kwire';

export const MS = 1_000_000n;

export function exec(pid: number, ts: bigint, argv: string[] = ['prog'], ppid = 1): ExecEvent {
  return { type: 'exec', ts, pid, ppid, uid: 0, gid: 0, comm: argv[0]!.slice(0, 15), filename: `/bin/${argv[0]}`, argv, truncated: false, pidns: 1, cgroupId: 7n };
}

export function exit(pid: number, startTime: bigint, exitTime: bigint, exitCode = 0, signal = 0, ppid = 1, comm = 'prog'): ExitEvent {
  return {
    type: 'exit', pid, tid: pid, ppid, exitCode, signal, coreDump: false, status: signal ? signal : exitCode << 8,
    startTime, exitTime, comm, pidns: 1, pidnsDev: 4n, cgroupId: 7n,
  };
}
