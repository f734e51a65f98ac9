// What the process kinds (exec, exit) share: options that filter by pid namespace and choose a
// transport, checked the same way, and the same capture options.
import type { RawOpenOptions } from '../capture/registry.js';
import { KwireError } from '../errors.js';
import type { CliColumn, SourcePlan } from '../pipeline/kind.js';
import { bpfProducer } from '../producers/bpf.js';
import { resolveTransport, wakeOptions, type Transport, type TransportOptions } from '../pipeline/transport.js';
import { checkBatchSize, checkOptions, checkPerfOptions, checkRingCapacity } from '../validate.js';

export interface ProcessOptions extends TransportOptions {
  /** Only processes whose pid namespace has this inode (filtered in the kernel). Default: all. */
  pidns: number;
  /** Shared ring size in bytes, a power of two. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
}

/** The options checked (EINVAL_ARGUMENT naming `fn`), with defaults. */
/** The options every process kind takes (a kind adds its own: exit's threads). */
export const processOptionNames = ['pidns', 'transport', 'perf', 'ringCapacity', 'batchSize', 'wake', 'latencyBoundMs'] as const;

export function processOptions(options: Readonly<Partial<ProcessOptions>>, fn: string, defaultRing: number, more: readonly string[] = []): {
  pidns: number; ringCapacity: number; batchSize: number; transport: Transport; perf?: ProcessOptions['perf']; wake: ReturnType<typeof wakeOptions>;
} {
  checkOptions(fn, options, 'options', [...processOptionNames, ...more]);
  const { pidns = 0, ringCapacity = defaultRing, batchSize = 1024, perf } = options ?? {};
  checkRingCapacity(fn, ringCapacity);
  checkPerfOptions(fn, perf);
  if (!Number.isInteger(pidns) || pidns < 0 || pidns > 0xffffffff) {
    throw new KwireError('EINVAL_ARGUMENT', `${fn}: pidns must be a pid namespace inode (a u32), got ${pidns}`);
  }
  checkBatchSize(fn, batchSize);
  const wake = wakeOptions(options, fn);
  return { pidns, ringCapacity, batchSize, transport: resolveTransport(options?.transport, fn), ...(perf ? { perf } : {}), wake };
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
export function processPlan(what: string, object: string, globals: Record<string, Uint8Array>, o: ReturnType<typeof processOptions>): SourcePlan {
  const producer = bpfProducer({ what, object, map: 'events', globals, droppedGlobal: 'dropped', transport: o.transport, ...(o.perf ? { perfOptions: o.perf } : {}), ...o.wake });
  return { producer, ringCapacity: o.ringCapacity, batchSize: o.batchSize };
}
