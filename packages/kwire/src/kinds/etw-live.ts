// etw.live(): the etw kind's events from a live kernel trace session, Windows only. The session is
// configured in pure code (etw-session.ts), run by the Windows addon (native/win/: the ETW producer,
// producers/etw.ts), and its frames are the ones the .etl path writes, so the same decoder and filter
// (etw-etl.ts's etwRecordDecoder) make the batches. Elsewhere it throws NotSupportedError: decode .etl
// files with etw.fromEtl() there.
import { availableParallelism, release } from 'node:os';
import { NotSupportedError } from '../errors.js';
import type { EtwBatch } from '../generated/etw.js';
import { kernelSource, type KernelSource } from '../pipeline/source.js';
import { etwProducer } from '../producers/etw.js';
import { checkBatchSize, checkOptions, checkRingCapacity } from '../validate.js';
import { etwRecordDecoder, type EtwFilter } from './etw-etl.js';
import { etwLiveOptions, etwSessionConfig, type EtwLiveOptions } from './etw-session.js';

/** The options of etw.live(): the session's (etw-session.ts), the decoder's filter, the ring and batches. */
export interface EtwLiveSourceOptions extends EtwLiveOptions {
  /** Events to keep, by class, opcode and pid, as etw.fromEtl() takes it. Default: all of the classes. */
  filter: EtwFilter;
  /** Shared ring bytes (power of two; an event can be 64 KiB). Default 16 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default 4096. */
  batchSize: number;
}

/** The Windows build number (os.release() is '10.0.19041' there); 0 when it cannot tell. */
function windowsBuild(): number {
  const build = Number(release().split('.')[2]);
  return Number.isInteger(build) ? build : 0;
}

/**
 * Windows kernel events, live: a kernel trace session (a private SystemTraceProvider session, or the NT
 * Kernel Logger before Windows 8) enabled for `classes`, its state run down at start (events marked
 * `rundown`), one frame per event into the shared ring, decoded as .etl files are. The same Observable as
 * the Linux sources: cold, shared, stopped (and the session with it) on the last unsubscribe;
 * `stats().lost.kernel` holds the session's EventsLost and `stats().lost.realTimeBuffers` its
 * RealTimeBuffersLost.
 *
 * @example
 * etw.live({ classes: ['process', 'image'] }).pipe(toEvents()).subscribe((e) => console.log(e.type, e.pid, e.imageName));
 * @throws KwireError EINVAL_ARGUMENT for a bad option; NotSupportedError (ENOTSUP_KERNEL) where the
 *   platform is not Windows. On subscribe: KwireError ELOGGER_LIMIT when Windows has no free trace
 *   session, a PermissionError without Administrator rights, KwireError ENATIVE for another failure.
 */
export function etwLive(options: Readonly<Partial<EtwLiveSourceOptions>> = {}): KernelSource<EtwBatch> {
  const fn = 'etw.live()';
  checkOptions(fn, options);
  const { filter, ringCapacity, batchSize, ...session } = options ?? {};
  const checked = etwLiveOptions(session, fn);
  checkRingCapacity(fn, ringCapacity);
  checkBatchSize(fn, batchSize);
  const decoder = etwRecordDecoder(filter ?? {});
  if (process.platform !== 'win32') {
    throw new NotSupportedError('ETW', `${fn}: live ETW tracing needs Windows (this is ${process.platform}); .etl files decode anywhere with etw.fromEtl()`);
  }
  const config = etwSessionConfig(checked, { processors: availableParallelism(), build: windowsBuild() });
  return kernelSource({ producer: etwProducer(config), decoder, ringCapacity: ringCapacity ?? 1 << 24, batchSize: batchSize ?? 4096 });
}
