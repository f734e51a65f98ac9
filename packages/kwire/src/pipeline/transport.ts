// The kernel→user transport of a BPF source: a BPF ring buffer (Linux >= 5.8) or a perf event array
// (one perf ring per CPU, every kernel). Built-in objects carry both maps (bpf/include/transport.bpf.h)
// and pick one with the kw_use_perf global.
import type { PerfOptions, WakeMode } from '../platform/addon.js';
import { loadAddon } from '../platform/native.js';
import { NotSupportedError } from '../errors.js';
import { checkInteger, checkOneOf } from '../validate.js';

export type Transport = 'ringbuf' | 'perf';

/** Map names in the built-in objects. */
export const TransportMap = { ringbuf: 'events', perf: 'events_perf' } as const;

export interface TransportOptions {
  /** 'auto' picks 'ringbuf' when the kernel has ring buffers, else 'perf'. Default 'auto'. */
  transport: Transport | 'auto';
  /** Perf rings: data pages per CPU (power of two), wake-up every N samples or at a byte watermark.
   *  Default { pageCount: 64, wakeupEvents: 1 }. */
  perf: PerfOptions;
  /** Who reads the kernel ring: 'adaptive' (default: the JS thread while the rate is low, one context
   *  switch per notification; the addon's poll thread once it rises), 'thread' or 'js'. */
  wake: WakeMode;
  /** While the JS thread reads: at most one read per this many milliseconds, so a burst is delivered
   *  in fewer, larger batches (less CPU per record); no record waits longer, and a read that found
   *  1024 records or more is not held back (the kernel ring could overflow). Default 0: every
   *  notification is read at once. */
  latencyBoundMs: number;
}

/** The wake-up options of `options` (checked, EINVAL_ARGUMENT naming `fn`), as a BPF producer takes them. */
export function wakeOptions(options: Readonly<Partial<TransportOptions>> | undefined, fn: string): { wake?: WakeMode; latencyBoundMs?: number } {
  const { wake, latencyBoundMs } = options ?? {};
  checkOneOf(fn, 'wake', wake, ['adaptive', 'thread', 'js']);
  checkInteger(fn, 'latencyBoundMs', latencyBoundMs, 0, 60000);
  return { ...(wake === undefined ? {} : { wake }), ...(latencyBoundMs === undefined ? {} : { latencyBoundMs }) };
}

let ringbuf: boolean | undefined;

/**
 * The transport to use, 'auto' resolved for this kernel: 'ringbuf' when it has BPF ring buffers
 * (Linux >= 5.8), else 'perf'.
 *
 * @example
 * resolveTransport() // 'ringbuf' on a current kernel
 * @throws KwireError EINVAL_ARGUMENT for another value; NotSupportedError ENOTSUP_KERNEL for 'ringbuf'
 *   on a kernel without ring buffers; KwireError ENOT_BUILT when the addon is not built.
 */
export function resolveTransport(transport: Transport | 'auto' = 'auto', fn = 'resolveTransport()'): Transport {
  checkOneOf(fn, 'transport', transport, ['auto', 'ringbuf', 'perf']);
  if (transport === 'perf') return transport;
  ringbuf ??= loadAddon().ringbufSupported();
  if (transport === 'ringbuf' && !ringbuf) {
    throw new NotSupportedError('BPF ring buffers', `${fn}: this kernel has no BPF ring buffers (Linux >= 5.8): use transport 'perf' or 'auto'`);
  }
  return ringbuf ? 'ringbuf' : 'perf';
}
