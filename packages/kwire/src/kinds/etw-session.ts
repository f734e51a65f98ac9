// The live ETW session's configuration, computed here in pure TypeScript and handed to the Windows addon
// (native/win/src/etw_session.cc), which only carries it out: which session (the NT Kernel Logger or a
// private SystemTraceProvider session), the enable flags per class, the buffer sizes, the rundown order,
// and which normalised event classes the callback keeps. Pure, so that it is tested on any machine
// (test/etw-session.test.ts); the addon that runs it exists only on Windows.
import { checkBoolean, checkInteger, checkOneOf, checkOptions, checkString, invalidArgument } from '../validate.js';

/** A class of kernel events a live session can enable. */
export type EtwClass = 'process' | 'thread' | 'image' | 'file' | 'tcp' | 'udp' | 'registry';

/**
 * Every class a live session can enable, in the order `kwire etw --classes` lists them.
 *
 * @example
 * ETW_LIVE_CLASSES.includes('registry') === true;
 */
export const ETW_LIVE_CLASSES: readonly EtwClass[] = ['process', 'thread', 'image', 'file', 'tcp', 'udp', 'registry'];

/** The classes a session enables when none are named (registry is opt-in: it is by far the busiest). */
export const ETW_DEFAULT_CLASSES: readonly EtwClass[] = ['process', 'thread', 'image', 'file', 'tcp', 'udp'];

/** EVENT_TRACE_FLAG_* (evntrace.h) of the classes kwire enables. */
export const EtwEnableFlag = {
  process: 0x0000_0001,
  thread: 0x0000_0002,
  imageLoad: 0x0000_0004,
  diskFileIo: 0x0000_0200, // FileIo Name/FileCreate/FileRundown: file object → name
  networkTcpIp: 0x0001_0000, // TcpIp and UdpIp both
  registry: 0x0002_0000,
  fileIo: 0x0200_0000, // FileIo completions
  fileIoInit: 0x0400_0000, // FileIo Create/Cleanup/Close/Read/Write…
} as const;

/** Per class: its enable flags and the normalised event classes (kinds/etw-frame.ts) its events carry. */
const CLASS_SPEC: Readonly<Record<EtwClass, { flags: number; eventClasses: readonly number[] }>> = {
  process: { flags: EtwEnableFlag.process, eventClasses: [0x03] },
  thread: { flags: EtwEnableFlag.thread, eventClasses: [0x05] },
  image: { flags: EtwEnableFlag.imageLoad, eventClasses: [0x14] },
  file: { flags: EtwEnableFlag.diskFileIo | EtwEnableFlag.fileIo | EtwEnableFlag.fileIoInit, eventClasses: [0x04] },
  // One flag serves TCP and UDP: a session asked for one keeps only its class's events (keepClasses).
  tcp: { flags: EtwEnableFlag.networkTcpIp, eventClasses: [0x06] },
  udp: { flags: EtwEnableFlag.networkTcpIp, eventClasses: [0x08] },
  registry: { flags: EtwEnableFlag.registry, eventClasses: [0x09] },
};

/**
 * The session's buffers (EVENT_TRACE_PROPERTIES). ETW writes events into per-CPU buffers of
 * `sizeKb`; a full buffer goes to the real-time consumer (or after `flushSeconds`, whichever comes
 * first). It starts with `minimum` and allocates more, up to `maximum`, while the consumer is behind;
 * when all `maximum` are full it drops events (EventsLost) or whole buffers (RealTimeBuffersLost).
 */
export interface EtwBuffers {
  /** Size of one buffer in KiB (ETW accepts 1..1024). Default 1024. */
  sizeKb: number;
  /** Buffers allocated at start (ETW wants at least 2 per processor). Default 2 × processors. */
  minimum: number;
  /** Buffers ETW may grow to under load. Default minimum + 128 (≥ 128 MiB in flight with the default size). */
  maximum: number;
  /** Seconds after which a partly filled buffer is delivered anyway (the latency bound). Default 1. */
  flushSeconds: number;
}

/**
 * The default buffers for a machine of `processors`, and why. Peers' users lose 40–50 % of events with
 * small buffers (64 KiB × a few dozen, ~4 MiB in flight) during a process storm: ~1000 processes a
 * second, each with a start and end (~0.5 KiB each with its command line and SID), two thread events,
 * 20–40 image loads (~0.2 KiB each) and hundreds of file events (~0.15 KiB each), is 10–50 MiB/s of
 * events. The consumer (one memcpy per event into the shared ring) keeps up, but the JS side drains the
 * ring in batches and may pause (a GC, a slow subscriber) for hundreds of milliseconds; what is in flight
 * meanwhile must fit in the session's buffers. So: the largest buffers ETW allows (1 MiB: fewest buffer
 * switches and callbacks), 2 per processor at start (each CPU can switch without waiting), and up to
 * 128 more, ≥ 128 MiB, allocated only while the consumer is behind: 2.5 s of a 50 MiB/s storm. A
 * one-second flush bounds the latency of quiet classes. The shared ring (ringCapacity) is a further
 * buffer after these.
 *
 * @example
 * etwDefaultBuffers(8); // { sizeKb: 1024, minimum: 16, maximum: 144, flushSeconds: 1 }
 */
export function etwDefaultBuffers(processors: number): EtwBuffers {
  const minimum = Math.max(2, 2 * Math.max(1, Math.floor(processors)));
  return { sizeKb: 1024, minimum, maximum: minimum + 128, flushSeconds: 1 };
}

/** Which session to start. */
export type EtwSessionKind = 'auto' | 'kernel-logger' | 'private';

/** How a live session runs down the state at start, in the order tried. */
export type EtwRundownWay = 'set-information' | 'rundown-session';

/** The options of a live ETW session (etw.live, `kwire etw`). */
export interface EtwLiveOptions {
  /** The classes of events to enable. Default ETW_DEFAULT_CLASSES (all but registry). */
  classes: readonly EtwClass[];
  /** Buffer settings; each field defaults as etwDefaultBuffers says. */
  buffers: Readonly<Partial<EtwBuffers>>;
  /**
   * 'private': a SystemTraceProvider session of kwire's own (Windows 8+; up to 8 may run at once),
   * 'kernel-logger': the one NT Kernel Logger (shared by every tool on the machine: starting it stops
   * another tool's), 'auto': private where the OS has them (build 9200 and later). Default 'auto'.
   */
  session: EtwSessionKind;
  /** The session's name; a session of this name left running (by a crashed process) is stopped and
   *  restarted. Default 'kwire kernel session' (ignored for the NT Kernel Logger, whose name is fixed). */
  sessionName: string;
  /** Run down the state at start (processes, threads, images and file objects already there, marked
   *  with the rundown flag). Default true. */
  rundown: boolean;
}

/** What the addon's openEtw() takes: everything decided, nothing left to default. */
export interface EtwSessionConfig {
  loggerName: string;
  /** EVENT_TRACE_SYSTEM_LOGGER_MODE with a GUID of kwire's own (else the NT Kernel Logger). */
  privateLogger: boolean;
  /** EVENT_TRACE_FLAG_* of the classes. */
  enableFlags: number;
  bufferSizeKb: number;
  minimumBuffers: number;
  maximumBuffers: number;
  flushTimerSeconds: number;
  /** Rundown ways to try, in order; empty: none. */
  rundown: EtwRundownWay[];
  /** The rundown session's name (the 'rundown-session' way). */
  rundownLoggerName: string;
  /** Normalised event classes < 0x100 the callback keeps (others of the kernel groups are dropped). */
  keepClasses: number[];
  /** Start the consumer thread only on start(). */
  paused: boolean;
}

/** The NT Kernel Logger's fixed name (KERNEL_LOGGER_NAME). */
export const KERNEL_LOGGER_NAME = 'NT Kernel Logger';
/** The first Windows build with private SystemTraceProvider sessions and TraceSetInformation (Windows 8). */
export const WINDOWS_8_BUILD = 9200;

/** The OS facts the configuration depends on. */
export interface EtwHost {
  /** Logical processors. */
  processors: number;
  /** Windows build number (os.release()'s third part); 0 when unknown. */
  build: number;
}

/**
 * The EVENT_TRACE_FLAG_* bits that enable `classes`.
 *
 * @example
 * etwEnableFlags(['process', 'image']) === 0x5;
 */
export function etwEnableFlags(classes: readonly EtwClass[]): number {
  let flags = 0;
  for (const c of classes) flags |= CLASS_SPEC[c].flags;
  return flags >>> 0;
}

/**
 * The rundown ways to try, in order (as fibratus's kstream does): first TraceSetInformation on the
 * kernel session (Windows 8+), which re-applies its enable flags with an empty extended group mask and
 * makes the kernel run down the enabled classes; else a rundown session of its own with
 * Microsoft-Windows-Kernel-Rundown (file objects).
 *
 * @example
 * etwRundownOrder(19041, true); // ['set-information', 'rundown-session']
 */
export function etwRundownOrder(build: number, rundown: boolean): EtwRundownWay[] {
  if (!rundown) return [];
  return build >= WINDOWS_8_BUILD || build === 0 ? ['set-information', 'rundown-session'] : ['rundown-session'];
}

/**
 * The options of a live session checked, with every default applied. `fn` names the caller in errors.
 *
 * @example
 * etwLiveOptions({ classes: ['process'] }, 'etw.live()').buffers.sizeKb === undefined;
 */
export function etwLiveOptions(options: Readonly<Partial<EtwLiveOptions>> | undefined, fn: string): EtwLiveOptions {
  checkOptions(fn, options);
  const o = options ?? {};
  if (o.classes !== undefined) {
    if (!Array.isArray(o.classes) || o.classes.length === 0) invalidArgument(fn, `classes must be a non-empty array of ${ETW_LIVE_CLASSES.join(', ')}`);
    for (const c of o.classes) checkOneOf(fn, 'classes[]', c, ETW_LIVE_CLASSES);
  }
  checkOptions(fn, o.buffers, 'buffers');
  const b = o.buffers ?? {};
  checkInteger(fn, 'buffers.sizeKb', b.sizeKb, 4, 1024);
  checkInteger(fn, 'buffers.minimum', b.minimum, 2, 16384);
  checkInteger(fn, 'buffers.maximum', b.maximum, 2, 16384);
  checkInteger(fn, 'buffers.flushSeconds', b.flushSeconds, 1, 3600);
  if (b.minimum !== undefined && b.maximum !== undefined && b.maximum < b.minimum) {
    invalidArgument(fn, `buffers.maximum must be at least buffers.minimum (${b.minimum}), got ${b.maximum}`);
  }
  checkOneOf(fn, 'session', o.session, ['auto', 'kernel-logger', 'private']);
  if (o.sessionName !== undefined) checkString(fn, 'sessionName', o.sessionName);
  checkBoolean(fn, 'rundown', o.rundown);
  return {
    classes: [...new Set(o.classes ?? ETW_DEFAULT_CLASSES)],
    buffers: { ...b },
    session: o.session ?? 'auto',
    sessionName: o.sessionName ?? 'kwire kernel session',
    rundown: o.rundown ?? true,
  };
}

/**
 * The configuration the addon's openEtw() runs, from checked options and the host's facts.
 *
 * @example
 * const config = etwSessionConfig(etwLiveOptions({ classes: ['process'] }, 'etw.live()'), { processors: 4, build: 19041 });
 * config.enableFlags === 0x1 && config.privateLogger;
 */
export function etwSessionConfig(options: EtwLiveOptions, host: EtwHost): EtwSessionConfig {
  const defaults = etwDefaultBuffers(host.processors);
  const minimum = options.buffers.minimum ?? Math.min(defaults.minimum, options.buffers.maximum ?? Infinity);
  const maximum = options.buffers.maximum ?? Math.max(minimum, defaults.maximum);
  const privateLogger = options.session === 'private' || (options.session === 'auto' && host.build >= WINDOWS_8_BUILD);
  const keep = new Set<number>();
  for (const c of options.classes) for (const k of CLASS_SPEC[c].eventClasses) keep.add(k);
  return {
    loggerName: privateLogger ? options.sessionName : KERNEL_LOGGER_NAME,
    privateLogger,
    enableFlags: etwEnableFlags(options.classes),
    bufferSizeKb: options.buffers.sizeKb ?? defaults.sizeKb,
    minimumBuffers: minimum,
    maximumBuffers: maximum,
    flushTimerSeconds: options.buffers.flushSeconds ?? defaults.flushSeconds,
    rundown: etwRundownOrder(host.build, options.rundown),
    rundownLoggerName: `${options.sessionName} rundown`,
    keepClasses: [...keep].sort((a, b) => a - b),
    paused: false,
  };
}
