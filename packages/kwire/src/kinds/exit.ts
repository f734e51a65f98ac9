// exit: process (or thread) exits, from tracepoint sched/sched_process_exit (bpf/exit.bpf.c).
// The record kind's one declaration; everything else is generated from it (generated/exit.ts).
import { cstring } from '../layout/layout.js';
import { defineKind } from '../pipeline/kind.js';
import { ownPidNamespace, u64Bytes } from '../platform/pidns.js';
import { u32Bytes } from '../producers/bpf.js';
import { checkBoolean } from '../validate.js';
import { processCapture, processColumns, processOptions, processPlan, type ProcessOptions } from './process-options.js';
import { decodeWaitStatus } from './wait-status.js';
import { signalName } from './signal-names.js';
import type { ExitBatch } from '../generated/exit.js';

/**
 * The bits of an exit record's `flags` (bpf/include/exit.h): `groupDead` when the whole process ended.
 *
 * @example
 * if (batch.flags[i]! & ExitFlags.groupDead) console.log(batch.pid[i], 'ended');
 */
export const ExitFlags = { groupDead: 0x1 } as const;

/** The filters pidns, pid, ppid, uid, cgroup (default: all), transport and perf (default 'auto'),
 *  ringCapacity (default 1 MiB), batchSize (default 1024), and: */
export interface ExitOptions extends ProcessOptions {
  /** A record for every thread's exit, not only when a whole process exits. Default: false. */
  threads: boolean;
  /** Only exits that failed: a non-zero exit code or a signal (exitsnoop -x; filtered in the kernel). Default: false. */
  failed: boolean;
}

export interface ExitEvent {
  type: 'exit';
  /** Thread-group id (the process), in the initial pid namespace. */
  pid: number;
  /** The exiting thread. */
  tid: number;
  ppid: number;
  /** WEXITSTATUS when the process exited normally, else 0. */
  exitCode: number;
  /** The terminating signal when a signal killed it, else 0. */
  signal: number;
  /** The terminating signal dumped core. */
  coreDump: boolean;
  /** The raw wait(2) status word. */
  status: number;
  /** Boot-time ns the process started. */
  startTime: bigint;
  /** Boot-time ns of the exit. */
  exitTime: bigint;
  comm: string;
  /** Inode of the process's pid namespace. */
  pidns: number;
  /** Device of nsfs (st_dev of /proc/self/ns/pid); with pidns it names the namespace. */
  pidnsDev: bigint;
  cgroupId: bigint;
}

/**
 * How an exit reads: 'code N', or 'signal N (NAME)' with ' +core' when it dumped core.
 *
 * @example
 * exitText({ exitCode: 0, signal: 9, coreDump: false }) // 'signal 9 (SIGKILL)'
 */
export function exitText(e: Pick<ExitEvent, 'exitCode' | 'signal' | 'coreDump'>): string {
  if (e.signal === 0) return `code ${e.exitCode}`;
  return `signal ${e.signal} (${signalName(e.signal) ?? '?'})${e.coreDump ? ' +core' : ''}`;
}

export const exitKind = defineKind({
  name: 'exit', sourceId: 2, object: 'exit', layoutVersion: 1, // bpf/include/exit.h EXIT_LAYOUT_VERSION (test/raw-frames.test.ts checks they agree)
  // bpf/include/exit.h: fixed size, one per process (or thread) exit.
  layout: { name: 'exit', struct: 'exit_event', size: 72,
    fields: [
      { name: 'startTime', type: 'u64' }, { name: 'exitTime', type: 'u64' }, { name: 'cgroupId', type: 'u64' }, { name: 'pidnsDev', type: 'u64' },
      { name: 'pid', type: 'u32' }, { name: 'tid', type: 'u32' }, { name: 'ppid', type: 'u32' },
      { name: 'status', type: 'u32' }, // the wait(2) status word
      { name: 'pidns', type: 'u32' }, { name: 'flags', type: 'u32' },
      { name: 'comm', type: cstring(16) },
    ],
  },
  time: 'exitTime',
  event: (b: ExitBatch, i: number): ExitEvent => {
    const status = b.status[i]!;
    const { exitCode, signal, coreDump } = decodeWaitStatus(status);
    return {
      type: 'exit', pid: b.pid[i]!, tid: b.tid[i]!, ppid: b.ppid[i]!, exitCode, signal, coreDump, status,
      startTime: b.startTime[i]!, exitTime: b.exitTime[i]!, comm: b.comm(i), pidns: b.pidns[i]!, pidnsDev: b.pidnsDev[i]!, cgroupId: b.cgroupId[i]!,
    };
  },
  open: (options: Readonly<Partial<ExitOptions>>, fn: string) => {
    const o = processOptions(options, fn, 1 << 20, ['threads', 'failed']);
    const threads = options?.threads ?? false;
    const failed = options?.failed ?? false;
    checkBoolean(fn, 'threads', threads);
    checkBoolean(fn, 'failed', failed);
    // BPF cannot readily read the nsfs device: user space supplies it
    const globals: Record<string, Uint8Array> = { nsfs_dev: u64Bytes(ownPidNamespace().dev), ...o.filters };
    if (threads) globals.trace_threads = u32Bytes(1);
    if (failed) globals.only_failed = u32Bytes(1);
    return processPlan('tracing exit events', 'exit', globals, o);
  },
  capture: processCapture,
  cli: {
    columns: [
      ...processColumns<ExitEvent>((e) => e.exitTime),
      { header: 'TID', width: 7, value: (e) => String(e.tid) },
      { header: 'AGE(s)', width: 8, value: (e) => (Number(e.exitTime - e.startTime) / 1e9).toFixed(2) },
      { header: 'EXIT', width: 0, value: exitText },
    ],
  },
  doc: {
    summary: 'One record per process exit (at its last thread\'s exit; with threads, per thread), exactly as waitpid(2) would report it.',
    example: "exitEvents().subscribe((e) => console.log(e.pid, e.comm, e.signal ? `signal ${e.signal}` : `code ${e.exitCode}`));",
  },
});
