// The live ETW producer (Windows): the addon's EtwReader (native/win/) starts the kernel session that
// kinds/etw-session.ts configured and writes one ETW frame per event into the shared ring from its
// ProcessTrace thread. Its losses are the session's own counters: EventsLost into lost.kernel,
// RealTimeBuffersLost into lost.realTimeBuffers.
import type { EtwReader } from '../platform/addon.js';
import { KwireError, PermissionError } from '../errors.js';
import type { OpenProducer, Producer, ProducerContext } from '../pipeline/producer.js';
import { loadAddon } from '../platform/native.js';
import type { EtwSessionConfig } from '../kinds/etw-session.js';

/** The Win32 error a failed call reported (ERROR_NO_SYSTEM_RESOURCES is 1450). */
const ERROR_NO_SYSTEM_RESOURCES = 1450;

/**
 * A producer that runs a live ETW kernel session (Windows only) with the configuration `config`.
 *
 * @example
 * const producer = etwProducer(etwSessionConfig(etwLiveOptions({}, 'etw.live()'), { processors: 8, build: 19041 }));
 * @throws never itself; its `open` throws KwireError ELOGGER_LIMIT (no free trace session), a
 *   PermissionError (not an Administrator), KwireError ENATIVE (another Win32 error) or ENOT_BUILT.
 */
export function etwProducer(config: EtwSessionConfig): Producer {
  const what = `tracing ETW kernel events (${config.loggerName})`;
  return {
    what,
    open(ctx: ProducerContext): OpenProducer {
      const addon = loadAddon();
      if (typeof addon.openEtw !== 'function') throw new KwireError('ENOT_BUILT', `${what}: this addon has no ETW producer (it is the Linux one)`);
      let reader: EtwReader | undefined;
      let done = false;
      const onData = () => {
        ctx.onData();
        const s = reader?.stats();
        if (!s?.ended || done) return;
        done = true;
        ctx.complete(); // the session was stopped from outside (logman stop, another tool)
      };
      try {
        reader = addon.openEtw(config, ctx.ring, ctx.sourceId, onData);
      } catch (error) {
        throw etwError(what, error);
      }
      return {
        counters: () => {
          const s = reader?.stats();
          return s ? { lostKernel: s.eventsLost, lostRealTimeBuffers: s.realTimeBuffersLost } : {};
        },
        close: () => {
          reader?.close();
          reader = undefined;
        },
      };
    },
  };
}

/** The addon's error as a kwire error: the logger limit and access denied get their own types. */
export function etwError(what: string, error: unknown): Error {
  const e = error as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown };
  if (typeof e?.code !== 'string') return error as Error;
  const details = { cause: error, errno: Number(e.errno ?? 0), syscall: String(e.syscall ?? '') };
  if (e.code === 'ELOGGER_LIMIT' || e.errno === ERROR_NO_SYSTEM_RESOURCES) return new KwireError('ELOGGER_LIMIT', `${what}: ${String(e.message)}`, details);
  if (e.code === 'EPERM') return new PermissionError(`${what}: ${String(e.message)}`, ['Administrator (or the Performance Log Users group)'], details);
  return new KwireError('ENATIVE', `${what}: ${String(e.message)}`, details);
}
