// proc: the netlink proc connector (<linux/cn_proc.h>): one datagram per process event (fork, exec,
// uid, gid, sid, ptrace, comm, coredump, exit, and the ack of a subscription), read from a
// NETLINK_CONNECTOR socket by the fd producer: no BPF, CAP_NET_ADMIN only. The record kind's one
// declaration; its source functions are hand-written (proc-source.ts): they share one socket and add
// /proc enrichment, name memory and resynchronisation after loss (proc-tracker.ts).
import { cstring, type FieldSpec } from '../layout/layout.js';
import { defineKind } from '../pipeline/kind.js';
import { checkBatchSize, checkInteger, checkOptions, checkRingCapacity } from '../validate.js';
import { procProducer } from './proc-producer.js';
import { decodeWaitStatus } from './wait-status.js';
import type { ProcBatch } from '../generated/proc.js';

/**
 * `proc_event.what` values (<linux/cn_proc.h>), by the name of the event type they make (`proc-<name>`).
 *
 * @example
 * if (batch.what[i] === ProcWhat.exit) console.log('exit of', batch.exitProcessTgid[i]);
 */
export const ProcWhat = {
  ack: 0x0, fork: 0x1, exec: 0x2, uid: 0x4, gid: 0x40, sid: 0x80, ptrace: 0x100, comm: 0x200, coredump: 0x40000000, exit: 0x80000000,
} as const;
/** The name of a proc connector event: `fork`, `exec`, `exit`, … (its event type is `proc-<name>`). */
export type ProcEventName = keyof typeof ProcWhat;
/**
 * Every proc connector event name, in the layout's variant order (a ProcBatch's `variant` indexes it).
 *
 * @example
 * procEvents({ events: procEventNames.filter((n) => n !== 'comm') });
 */
export const procEventNames = Object.keys(ProcWhat) as ProcEventName[];

/** Options of procs() and procRaw(): the socket and the shared ring. */
export interface ProcSourceOptions {
  /** Socket receive buffer in bytes (SO_RCVBUFFORCE; the kernel keeps twice this); 0: the system
   *  default. Default: 8 MiB, which took a fork storm on this project's 2-core machines without loss. */
  rcvbuf: number;
  /** Shared ring size in bytes, a power of two. Default: 4 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
}

/** What every proc connector event has. Pids are as the kernel counts them (the initial pid namespace). */
interface ProcEventHead {
  /** CLOCK_MONOTONIC nanoseconds when the kernel built the event (ktime_get_ns: boot time on a machine
   *  that never suspended). */
  ts: bigint;
  /** CPU the event was built on. */
  cpu: number;
  /** The task's id (a thread id for threads). */
  pid: number;
  /** The task's thread group: the process id. */
  tgid: number;
}

/** A new task: a process (pid === tgid) or a thread of `tgid`. `ppid`/`ptgid`: its parent (the kernel's
 *  real_parent: for a thread, its process's parent, not the thread that created it). */
export interface ProcForkEvent extends ProcEventHead { type: 'proc-fork'; ppid: number; ptgid: number }
/** A successful execve/execveat of `tgid`. */
export interface ProcExecEvent extends ProcEventHead { type: 'proc-exec' }
/** Real and effective uid changed. */
export interface ProcUidEvent extends ProcEventHead { type: 'proc-uid'; ruid: number; euid: number }
/** Real and effective gid changed. */
export interface ProcGidEvent extends ProcEventHead { type: 'proc-gid'; rgid: number; egid: number }
/** setsid(). */
export interface ProcSidEvent extends ProcEventHead { type: 'proc-sid' }
/** ptrace attach (tracer ids non-zero) or detach (zero). */
export interface ProcPtraceEvent extends ProcEventHead { type: 'proc-ptrace'; tracerPid: number; tracerTgid: number }
/** The task's comm changed (prctl(PR_SET_NAME), a thread's name). */
export interface ProcCommEvent extends ProcEventHead { type: 'proc-comm'; comm: string }
/** The task is dumping core. */
export interface ProcCoredumpEvent extends ProcEventHead { type: 'proc-coredump'; ppid: number; ptgid: number }
/** A task exited (each thread exits on its own; see procEvents' `threads`). */
export interface ProcExitEvent extends ProcEventHead {
  type: 'proc-exit';
  /** The raw wait(2) status word (task->exit_code). */
  status: number;
  /** WEXITSTATUS when the task exited normally, else 0. */
  exitCode: number;
  /** WTERMSIG when a signal killed it, else 0. */
  signal: number;
  coreDump: boolean;
  /** The signal its parent gets (SIGCHLD, 17, for a process; -1 for a thread). */
  exitSignal: number;
  /** Its parent when it exited (0 when the kernel could not tell). */
  ppid: number;
  ptgid: number;
}
/** The kernel's answer to a PROC_CN_MCAST_LISTEN/IGNORE (of any listener): `err` 0 or an errno. */
export interface ProcAckEvent extends Omit<ProcEventHead, 'pid' | 'tgid'> { type: 'proc-ack'; err: number; pid: 0; tgid: 0 }

/** One proc connector message, as the kernel sent it: a union on `type`. */
export type ProcEvent =
  | ProcForkEvent | ProcExecEvent | ProcUidEvent | ProcGidEvent | ProcSidEvent | ProcPtraceEvent | ProcCommEvent | ProcCoredumpEvent | ProcExitEvent | ProcAckEvent;

const u32 = (name: string): FieldSpec => ({ name, type: 'u32' });
const i32 = (name: string): FieldSpec => ({ name, type: 'i32' });
const task = [u32('processPid'), u32('processTgid')];
// Every proc_event is sent whole (sizeof: 40, the union 24 bytes), so every variant is 24 bytes long:
// a datagram of any other length is TRUNCATED (shorter) or BAD_LENGTH (longer).
const variant = (what: number, fields: FieldSpec[]) => ({ tag: what, fields, size: 24 });

/** Which events are of a task (pid, tgid) and which ids they carry, by variant. */
const eventOf: Record<ProcEventName, (b: ProcBatch, i: number, h: { ts: bigint; cpu: number }) => ProcEvent> = {
  ack: (b, i, h) => ({ type: 'proc-ack', ...h, pid: 0, tgid: 0, err: b.ackErr[i]! }),
  fork: (b, i, h) => ({ type: 'proc-fork', ...h, pid: b.forkChildPid[i]!, tgid: b.forkChildTgid[i]!, ppid: b.forkParentPid[i]!, ptgid: b.forkParentTgid[i]! }),
  exec: (b, i, h) => ({ type: 'proc-exec', ...h, pid: b.execProcessPid[i]!, tgid: b.execProcessTgid[i]! }),
  uid: (b, i, h) => ({ type: 'proc-uid', ...h, pid: b.uidProcessPid[i]!, tgid: b.uidProcessTgid[i]!, ruid: b.uidRuid[i]!, euid: b.uidEuid[i]! }),
  gid: (b, i, h) => ({ type: 'proc-gid', ...h, pid: b.gidProcessPid[i]!, tgid: b.gidProcessTgid[i]!, rgid: b.gidRgid[i]!, egid: b.gidEgid[i]! }),
  sid: (b, i, h) => ({ type: 'proc-sid', ...h, pid: b.sidProcessPid[i]!, tgid: b.sidProcessTgid[i]! }),
  ptrace: (b, i, h) => ({ type: 'proc-ptrace', ...h, pid: b.ptraceProcessPid[i]!, tgid: b.ptraceProcessTgid[i]!, tracerPid: b.ptraceTracerPid[i]!, tracerTgid: b.ptraceTracerTgid[i]! }),
  comm: (b, i, h) => ({ type: 'proc-comm', ...h, pid: b.commProcessPid[i]!, tgid: b.commProcessTgid[i]!, comm: b.commComm(i) }),
  coredump: (b, i, h) => ({ type: 'proc-coredump', ...h, pid: b.coredumpProcessPid[i]!, tgid: b.coredumpProcessTgid[i]!, ppid: b.coredumpParentPid[i]!, ptgid: b.coredumpParentTgid[i]! }),
  exit: (b, i, h) => {
    const status = b.exitExitCode[i]!;
    return {
      type: 'proc-exit', ...h, pid: b.exitProcessPid[i]!, tgid: b.exitProcessTgid[i]!, status, ...decodeWaitStatus(status),
      exitSignal: b.exitExitSignal[i]!, ppid: b.exitParentPid[i]!, ptgid: b.exitParentTgid[i]!,
    };
  },
};

/** A text cell of the optional enrichment fields procEvents() adds (comm, args). */
type Printable = ProcEvent & { comm?: string; cmdline?: readonly string[]; exe?: string };
const quote = (s: string) => (s === '' || /[\s"'\\]/.test(s) ? JSON.stringify(s) : s);

/** The options of procs()/procRaw(), checked (EINVAL_ARGUMENT naming `fn`), with defaults. */
export function procSourceOptions(options: Readonly<Partial<ProcSourceOptions>> | undefined, fn: string): ProcSourceOptions {
  checkOptions(fn, options);
  const { rcvbuf = 8 << 20, ringCapacity = 4 << 20, batchSize = 1024 } = options ?? {};
  checkInteger(fn, 'rcvbuf', rcvbuf, 0, 1 << 30, '2^30');
  checkRingCapacity(fn, ringCapacity);
  checkBatchSize(fn, batchSize);
  return { rcvbuf, ringCapacity, batchSize };
}

export const procKind = defineKind({
  name: 'proc', sourceId: 4, layoutVersion: 1,
  // struct nlmsghdr (16) + struct cn_msg (20) + struct proc_event: what, cpu, timestamp_ns (aligned 8
  // within proc_event, so at 44 of the datagram: a packed layout), then the union event_data at 52.
  // The header's constants are checked: a datagram of another length, group or type is BAD_VALUE.
  layout: {
    name: 'proc', struct: 'proc_event', packed: true,
    fields: [
      { name: 'nlmsgLen', type: 'u32', oneOf: [76], column: false }, { name: 'nlmsgType', type: 'u16', oneOf: [3], column: false }, // NLMSG_DONE
      { name: 'nlmsgFlags', type: 'u16', column: false }, { name: 'nlmsgSeq', type: 'u32', column: false }, { name: 'nlmsgPid', type: 'u32', column: false },
      { name: 'cnIdx', type: 'u32', oneOf: [1], column: false }, { name: 'cnVal', type: 'u32', oneOf: [1], column: false }, // CN_IDX_PROC, CN_VAL_PROC
      { name: 'cnSeq', type: 'u32', column: false }, { name: 'cnAck', type: 'u32', column: false },
      { name: 'cnLen', type: 'u16', oneOf: [40], column: false }, { name: 'cnFlags', type: 'u16', column: false }, // sizeof(struct proc_event)
      { name: 'what', type: 'u32' }, { name: 'cpu', type: 'u32' }, { name: 'ts', type: 'u64', c: 'timestamp_ns' },
    ],
    union: {
      on: 'what', at: 52,
      variants: {
        ack: variant(ProcWhat.ack, [u32('err')]),
        fork: variant(ProcWhat.fork, [u32('parentPid'), u32('parentTgid'), u32('childPid'), u32('childTgid')]),
        exec: variant(ProcWhat.exec, task),
        uid: variant(ProcWhat.uid, [...task, u32('ruid'), u32('euid')]),
        gid: variant(ProcWhat.gid, [...task, u32('rgid'), u32('egid')]),
        sid: variant(ProcWhat.sid, task),
        ptrace: variant(ProcWhat.ptrace, [...task, u32('tracerPid'), u32('tracerTgid')]),
        comm: variant(ProcWhat.comm, [...task, { name: 'comm', type: cstring(16) }]),
        coredump: variant(ProcWhat.coredump, [...task, u32('parentPid'), u32('parentTgid')]),
        exit: variant(ProcWhat.exit, [...task, u32('exitCode'), i32('exitSignal'), u32('parentPid'), u32('parentTgid')]),
      },
    },
  },
  time: 'ts',
  sourceFunctions: false, // procs(), procEvents(), procRaw(): one shared socket, /proc enrichment (proc-source.ts)
  accessors: {
    eventName: { returns: 'string', doc: "Record i's event name (fork, exec, exit, …): its variant.", get: (b: ProcBatch, i: number) => procEventNames[b.variant[i]!]! },
  },
  event: (b: ProcBatch, i: number): ProcEvent => eventOf[procEventNames[b.variant[i]!]!](b, i, { ts: b.ts[i]!, cpu: b.cpu[i]! }),
  open: (options: Readonly<Partial<ProcSourceOptions>>, fn: string) => {
    const o = procSourceOptions(options, fn);
    return { producer: procProducer(o.rcvbuf), ringCapacity: o.ringCapacity, batchSize: o.batchSize };
  },
  capture: () => ({}),
  cli: {
    columns: [
      { header: 'TIME', width: 8, value: (e, t) => t.clock(e.ts) },
      { header: 'EVENT', width: 9, value: (e) => e.type.slice(5) },
      { header: 'PID', width: 7, value: (e) => String(e.pid) },
      { header: 'PPID', width: 7, value: (e) => ('ppid' in e ? String(e.ppid) : '') },
      { header: 'COMM', width: 16, value: (e) => (e as Printable).comm ?? '' },
      { header: 'EXIT/SIGNAL/ARGS', width: 0, value: (e) => details(e) },
    ],
  },
  doc: {
    summary: 'Process events of the netlink proc connector (fork, exec, exit, uid, gid, sid, ptrace, comm, coredump), without BPF.',
    example: "procEvents({ events: ['exec', 'exit'] }).subscribe((e) => console.log(e.type, e.pid));",
  },
});

/** The last column of `kwire proc`: an exit's code or signal, an exec's arguments, an id change. */
function details(e: Printable): string {
  switch (e.type) {
    case 'proc-exit': return e.signal ? `signal ${e.signal}${e.coreDump ? ' (core dumped)' : ''}` : `code ${e.exitCode}`;
    case 'proc-exec': return (e.cmdline ?? []).map(quote).join(' ');
    case 'proc-fork': return e.pid === e.tgid ? '' : `thread of ${e.tgid}`;
    case 'proc-uid': return `ruid ${e.ruid} euid ${e.euid}`;
    case 'proc-gid': return `rgid ${e.rgid} egid ${e.egid}`;
    case 'proc-ptrace': return e.tracerPid ? `traced by ${e.tracerPid}` : 'detached';
    case 'proc-ack': return `err ${e.err}`;
    default: return '';
  }
}
