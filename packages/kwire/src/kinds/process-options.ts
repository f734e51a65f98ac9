// What the process kinds (exec, exit) share: options that filter by pid namespace and choose a
// transport, checked the same way, and the same capture options.
import type { RawOpenOptions } from '../capture/registry.js';
import { KwireError } from '../errors.js';
import type { CliColumn, SourcePlan } from '../pipeline/kind.js';
import { bpfProducer, u32Bytes } from '../producers/bpf.js';
import type { BpfObject } from '../platform/native.js';
import { cgroupTarget } from '../platform/cgroup-id.js';
import { u64Bytes } from '../platform/pidns.js';
import { resolveTransport, wakeOptions, type Transport, type TransportOptions } from '../pipeline/transport.js';
import { checkBatchSize, checkInteger, checkOptions, checkPerfOptions, checkRingCapacity, checkString } from '../validate.js';

export interface ProcessOptions extends TransportOptions {
  /** Only processes whose pid namespace has this inode (filtered in the kernel). Default: all. */
  pidns: number;
  /** Only this process (its pid in the initial pid namespace; filtered in the kernel). Default: all. */
  pid: number;
  /** Only children of this process (filtered in the kernel). Default: all. */
  ppid: number;
  /** Only processes of this (real) uid (filtered in the kernel). Default: all. */
  uid: number;
  /** Only processes in this cgroup v2 directory or below it (filtered in the kernel). Default: all. */
  cgroup: string;
  /** Shared ring size in bytes, a power of two. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
}

/** The options checked (EINVAL_ARGUMENT naming `fn`), with defaults. */
/** The options every process kind takes (a kind adds its own: exit's threads). */
export const processOptionNames = ['pidns', 'pid', 'ppid', 'uid', 'cgroup', 'transport', 'perf', 'ringCapacity', 'batchSize', 'wake', 'latencyBoundMs'] as const;

export function processOptions(options: Readonly<Partial<ProcessOptions>>, fn: string, defaultRing: number, more: readonly string[] = []): {
  pidns: number; ringCapacity: number; batchSize: number; transport: Transport; perf?: ProcessOptions['perf']; wake: ReturnType<typeof wakeOptions>;
  /** The filters as the BPF object's globals (target_pidns, target_pid, …). */
  filters: Record<string, Uint8Array>;
} {
  checkOptions(fn, options, 'options', [...processOptionNames, ...more]);
  const { pidns = 0, ringCapacity = defaultRing, batchSize = 1024, perf } = options ?? {};
  checkRingCapacity(fn, ringCapacity);
  checkPerfOptions(fn, perf);
  if (!Number.isInteger(pidns) || pidns < 0 || pidns > 0xffffffff) {
    throw new KwireError('EINVAL_ARGUMENT', `${fn}: pidns must be a pid namespace inode (a u32), got ${pidns}`);
  }
  checkBatchSize(fn, batchSize);
  const filters: Record<string, Uint8Array> = {};
  if (pidns) filters.target_pidns = u32Bytes(pidns);
  for (const name of ['pid', 'ppid', 'uid'] as const) {
    const v = options?.[name];
    if (v === undefined) continue;
    checkInteger(fn, name, v, name === 'uid' ? 0 : 1, name === 'uid' ? 0xfffffffe : 0x3fffffff);
    filters[`target_${name}`] = u32Bytes(v);
  }
  if (options?.cgroup !== undefined) {
    checkString(fn, 'cgroup', options.cgroup);
    const { id, level } = cgroupTarget(fn, options.cgroup);
    filters.target_cgroup = u64Bytes(id);
    filters.target_cgroup_level = u32Bytes(level);
  }
  const wake = wakeOptions(options, fn);
  return { pidns, ringCapacity, batchSize, transport: resolveTransport(options?.transport, fn), filters, ...(perf ? { perf } : {}), wake };
}

/** A capture records a process kind filtered by pid namespace, over the transport asked for. */
export const processCapture = ({ pidns, transport }: Readonly<RawOpenOptions>): Partial<ProcessOptions> => ({
  ...(pidns === undefined ? {} : { pidns }),
  ...(transport === undefined ? {} : { transport }),
});

/** The columns execsnoop and exitsnoop both start with: the time, the command, the pid, the parent. */
export function processColumns<E extends { comm: string; pid: number; ppid: number }>(time: (e: E) => bigint): CliColumn<E>[] {
  return [
    { header: 'TIME', width: 8, value: (e, t) => t.clock(time(e)) },
    { header: 'PCOMM', width: 16, value: (e) => e.comm },
    { header: 'PID', width: 7, value: (e) => String(e.pid) },
    { header: 'PPID', width: 7, value: (e) => String(e.ppid) },
  ];
}

/** The plan of a process kind: its BPF object's ring (or perf array) with the kernel-side drop counter. */
export function processPlan(what: string, object: string, globals: Record<string, Uint8Array>, o: ReturnType<typeof processOptions>, configure?: (object: BpfObject) => void): SourcePlan {
  const producer = bpfProducer({ what, object, map: 'events', globals, droppedGlobal: 'dropped', transport: o.transport, ...(o.perf ? { perfOptions: o.perf } : {}), ...(configure ? { configure } : {}), ...o.wake });
  return { producer, ringCapacity: o.ringCapacity, batchSize: o.batchSize };
}
