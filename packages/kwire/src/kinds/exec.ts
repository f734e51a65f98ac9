// exec(): execve/execveat events from tracepoint sched/sched_process_exec (bpf/exec.bpf.c).
import type { Observable } from 'rxjs';
import { KwireError } from '../errors.js';
import { execDecoder } from './exec-decoder.js';
import type { ExecBatch, ExecEvent } from './exec-batch.js';
import { kernelSource, u32Bytes, type KernelSource, type KernelSourceSpec } from '../pipeline/source.js';
import { rawDecoder, type RawFrames } from '../pipeline/raw-frames.js';
import { toEvents } from '../pipeline/operators.js';
import { resolveTransport, type TransportOptions } from '../pipeline/transport.js';
import { checkOptions, checkPerfOptions, checkRingCapacity } from '../validate.js';

export interface ExecOptions extends TransportOptions {
  /** Only processes whose pid namespace has this inode (filtered in the kernel). Default: all. */
  pidns: number;
  /** Shared ring size in bytes, a power of two. Default: 4 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
}

export function exec(options: Readonly<Partial<ExecOptions>> = {}): KernelSource<ExecBatch> {
  return kernelSource({ ...execSpec(options, 'exec()'), decoder: execDecoder });
}

/** exec() as raw frames, undecoded (for captures). */
export function execRaw(options: Readonly<Partial<ExecOptions>> = {}): KernelSource<RawFrames> {
  return kernelSource({ ...execSpec(options, 'execRaw()'), decoder: rawDecoder('exec') });
}

function execSpec(options: Readonly<Partial<ExecOptions>>, fn: string): Omit<KernelSourceSpec<unknown>, 'decoder'> {
  checkOptions(fn, options);
  const { pidns = 0, ringCapacity = 4 << 20, batchSize = 1024, perf } = options ?? {};
  checkRingCapacity(fn, ringCapacity);
  checkPerfOptions(fn, perf);
  if (!Number.isInteger(pidns) || pidns < 0 || pidns > 0xffffffff) {
    throw new KwireError('EINVAL_ARGUMENT', `pidns must be a pid namespace inode (a u32), got ${pidns}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1 << 20) {
    throw new KwireError('EINVAL_ARGUMENT', `batchSize must be an integer in 1..2^20, got ${batchSize}`);
  }
  return {
    object: 'exec',
    map: 'events',
    globals: pidns ? { target_pidns: u32Bytes(pidns) } : {},
    droppedGlobal: 'dropped',
    ringCapacity,
    batchSize,
    transport: resolveTransport(options.transport, fn),
    ...(perf ? { perfOptions: perf } : {}),
  };
}

/** exec() as one event object per record. */
export function execEvents(options: Readonly<Partial<ExecOptions>> = {}): Observable<ExecEvent> {
  return exec(options).pipe(toEvents());
}
