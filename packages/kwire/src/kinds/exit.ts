// exit(): process (or thread) exits from tracepoint sched/sched_process_exit (bpf/exit.bpf.c).
import type { Observable } from 'rxjs';
import { KwireError } from '../errors.js';
import { exitDecoder } from './exit-decoder.js';
import type { ExitBatch, ExitEvent } from './exit-batch.js';
import { kernelSource, u32Bytes, type KernelSource, type KernelSourceSpec } from '../pipeline/source.js';
import { toEvents } from '../pipeline/operators.js';
import { ownPidNamespace, u64Bytes } from '../platform/pidns.js';
import { rawDecoder, type RawFrames } from '../pipeline/raw-frames.js';
import { resolveTransport, type TransportOptions } from '../pipeline/transport.js';
import { checkBoolean, checkOptions, checkPerfOptions, checkRingCapacity } from '../validate.js';

export interface ExitOptions extends TransportOptions {
  /** Only processes whose pid namespace has this inode (filtered in the kernel). Default: all. */
  pidns: number;
  /** A record for every thread's exit, not only when a whole process exits. Default: false. */
  threads: boolean;
  /** Shared ring size in bytes, a power of two. Default: 1 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
}

export function exits(options: Readonly<Partial<ExitOptions>> = {}): KernelSource<ExitBatch> {
  return kernelSource({ ...exitSpec(options, 'exits()'), decoder: exitDecoder });
}

/** exits() as raw frames, undecoded (for captures). */
export function exitRaw(options: Readonly<Partial<ExitOptions>> = {}): KernelSource<RawFrames> {
  return kernelSource({ ...exitSpec(options, 'exitRaw()'), decoder: rawDecoder('exit') });
}

function exitSpec(options: Readonly<Partial<ExitOptions>>, fn: string): Omit<KernelSourceSpec<unknown>, 'decoder'> {
  checkOptions(fn, options);
  const { pidns = 0, threads = false, ringCapacity = 1 << 20, batchSize = 1024, perf } = options ?? {};
  checkBoolean(fn, 'threads', threads);
  checkRingCapacity(fn, ringCapacity);
  checkPerfOptions(fn, perf);
  if (!Number.isInteger(pidns) || pidns < 0 || pidns > 0xffffffff) {
    throw new KwireError('EINVAL_ARGUMENT', `pidns must be a pid namespace inode (a u32), got ${pidns}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1 << 20) {
    throw new KwireError('EINVAL_ARGUMENT', `batchSize must be an integer in 1..2^20, got ${batchSize}`);
  }
  const globals: Record<string, Uint8Array> = { nsfs_dev: u64Bytes(ownPidNamespace().dev) };
  if (pidns) globals.target_pidns = u32Bytes(pidns);
  if (threads) globals.trace_threads = u32Bytes(1);
  return {
    object: 'exit',
    map: 'events',
    globals,
    droppedGlobal: 'dropped',
    ringCapacity,
    batchSize,
    transport: resolveTransport(options.transport, fn),
    ...(perf ? { perfOptions: perf } : {}),
  };
}

/** exits() as one event object per record. */
export function exitEvents(options: Readonly<Partial<ExitOptions>> = {}): Observable<ExitEvent> {
  return exits(options).pipe(toEvents());
}
