// The proc connector's sources: procs() (batches), procEvents() (enriched, filtered events) and
// procRaw() (frames, for captures). Every procs()/procEvents() subscriber with the same socket options
// shares one socket, opened by the first subscriber and closed (PROC_CN_MCAST_IGNORE, close) by the
// last; procEvents() subscribers also share one process table (proc-tracker.ts).
import { Observable } from 'rxjs';
import { multicast } from '../pipeline/multicast.js';
import { procDecoder, type ProcBatch } from '../generated/proc.js';
import { kindRaw, kindSource } from '../pipeline/kind.js';
import type { RawFrames } from '../pipeline/raw-frames.js';
import type { KernelSource } from '../pipeline/source.js';
import type { SourceStats } from '../pipeline/stats.js';
import { checkBoolean, checkInteger, checkOptions, invalidArgument } from '../validate.js';
import { procEventNames, procKind, procSourceOptions, type ProcEventName, type ProcSourceOptions } from './proc.js';
import { eventName, isProcessLevel, ProcTracker, type ProcEnrichedEvent, type ProcTrackerStats } from './proc-tracker.js';

/** The counters of a proc connector socket: a source's, with its ENOBUFS counted on their own. */
export interface ProcSourceStats extends SourceStats {
  lost: SourceStats['lost'] & {
    /** recv() returned ENOBUFS: the socket's receive buffer overran and the kernel dropped messages
     *  (counted once per ENOBUFS; reading goes on). Also in `kernel`. */
    enobufs: number;
  };
}

/** procs()'s Observable of batches, with its socket's counters. */
export interface ProcSource extends KernelSource<ProcBatch> {
  stats(): ProcSourceStats;
}

/** The counters of procEvents(): the socket's and the process table's. */
export interface ProcStats extends ProcSourceStats {
  tracker: ProcTrackerStats;
}

/** Options of procEvents(): which events, of which processes, and the socket's options. */
export interface ProcEventsOptions extends ProcSourceOptions {
  /** Event names to emit. Default: every one but 'ack' (fork, exec, uid, gid, sid, ptrace, comm, coredump, exit). */
  events: readonly ProcEventName[];
  /** Only processes whose pid namespace has this inode (read from /proc when the event arrives, or
   *  remembered; events whose namespace is unknown are left out). Default: all. */
  pidns: number;
  /** Also events of threads (a thread's fork and exit, id changes of each thread). Default: false: one
   *  fork and one exit per process, the exit at its last task's exit. */
  threads: boolean;
  /** First emit every process already running (proc-exec, `origin: 'scan'`). Default: false. */
  scan: boolean;
  /** Only processes of these names (the seed's name filters): a string equals the comm or the base name
   *  of the exe, a RegExp tests the comm. Exits match by the name remembered from the exec, fork or scan,
   *  after /proc has lost the process; events without a known name are left out. Default: all. */
  names: readonly (string | RegExp)[];
}

/** procEvents()'s Observable, with the counters of its shared socket and process table. */
export interface ProcEventSource extends Observable<ProcEnrichedEvent> {
  /** The counters of the current attachment, or of the last one. */
  stats(): ProcStats;
}

const sources = new Map<string, ProcSource>();
const trackers = new Map<string, { events: Observable<ProcEnrichedEvent>; current(): ProcTracker | undefined; last(): ProcTrackerStats }>();
const keyOf = (o: ProcSourceOptions) => `${o.rcvbuf}/${o.ringCapacity}/${o.batchSize}`;

const withEnobufs = (s: SourceStats): ProcSourceStats => ({ ...s, lost: { ...s.lost, enobufs: s.lost.kernel } });

function sharedSource(o: ProcSourceOptions): ProcSource {
  const key = keyOf(o);
  const existing = sources.get(key);
  if (existing) return existing;
  const source = kindSource(procKind, procDecoder, o, 'procs()');
  const stats = source.stats.bind(source);
  const shared = Object.assign(source, { stats: () => withEnobufs(stats()) }) as ProcSource;
  sources.set(key, shared);
  return shared;
}

/**
 * Process events of the netlink proc connector, in batches: fork, exec, uid, gid, sid, ptrace, comm,
 * coredump and exit (and the acks of subscriptions), one record per kernel message, without BPF
 * (CAP_NET_ADMIN). Subscribers with the same options share one socket.
 *
 * @example
 * procs().subscribe((b) => { for (let i = 0; i < b.length; i++) if (b.eventName(i) === 'exit') console.log(b.exitProcessTgid[i]); });
 * @throws KwireError EINVAL_ARGUMENT for a bad option; on subscribe, PermissionError (CAP_NET_ADMIN),
 *   KwireError ENATIVE or ENOT_BUILT.
 */
export function procs(options: Readonly<Partial<ProcSourceOptions>> = {}): ProcSource {
  return sharedSource(procSourceOptions(options, 'procs()'));
}

/**
 * procs() as raw frames, undecoded (what captures store), on a socket of its own.
 *
 * @example
 * record({ proc: procRaw() }, 'proc.kwcap').subscribe();
 * @throws as procs().
 */
export function procRaw(options: Readonly<Partial<ProcSourceOptions>> = {}): KernelSource<RawFrames> {
  return kindRaw(procKind, procSourceOptions(options, 'procRaw()'), 'procRaw()');
}

/** The shared process table of a socket: events enriched once for every procEvents() subscriber. */
function sharedTracker(o: ProcSourceOptions) {
  const key = keyOf(o);
  const existing = trackers.get(key);
  if (existing) return existing;
  const source = sharedSource(o);
  let tracker: ProcTracker | undefined;
  let last: ProcTrackerStats = new ProcTracker().stats();
  const events = multicast(new Observable<ProcEnrichedEvent>((subscriber) => {
    const t = new ProcTracker();
    const emit = (e: ProcEnrichedEvent) => subscriber.next(e);
    let lost = 0;
    let resync: ReturnType<typeof setTimeout> | undefined;
    // Resynchronise once the burst that overran the socket has been read: a loss seen in a batch
    // schedules one /proc pass shortly after, however many batches report more loss meanwhile.
    const resyncSoon = () => {
      resync ??= setTimeout(() => {
        resync = undefined;
        if (!subscriber.closed) t.resync(emit);
      }, 20);
    };
    const subscription = source.subscribe({
      next: (batch) => {
        for (let i = 0; i < batch.length && !subscriber.closed; i++) t.apply(batch.get(i), emit);
        const s = source.stats();
        const now = s.lost.kernel + s.lost.ring;
        if (now > lost) {
          lost = now;
          resyncSoon();
        }
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    // The socket listens first, then /proc is read: a process is in the scan, or its events follow.
    if (!subscriber.closed) t.scan();
    tracker = t;
    return () => {
      if (resync) clearTimeout(resync);
      last = t.stats();
      tracker = undefined;
      subscription.unsubscribe();
    };
  }));
  const entry = { events, current: () => tracker, last: () => (tracker ? tracker.stats() : last) };
  trackers.set(key, entry);
  return entry;
}

function eventsOptions(options: Readonly<Partial<ProcEventsOptions>> | undefined, fn: string) {
  checkOptions(fn, options);
  const { events = procEventNames.filter((n) => n !== 'ack'), pidns = 0, threads = false, scan = false, names, ...rest } = options ?? {};
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => !(n instanceof RegExp) && (typeof n !== 'string' || n === '')))) {
    invalidArgument(fn, `names must be a list of non-empty strings or RegExps, got ${Array.isArray(names) ? JSON.stringify(names.map(String)) : typeof names === 'string' ? `'${names}'` : typeof names}`);
  }
  if (!Array.isArray(events) || events.some((e) => !procEventNames.includes(e))) {
    invalidArgument(fn, `events must be a list of ${procEventNames.join(', ')}, got ${JSON.stringify(events)}`);
  }
  checkInteger(fn, 'pidns', pidns, 0, 0xffffffff, '2^32 - 1');
  checkBoolean(fn, 'threads', threads);
  checkBoolean(fn, 'scan', scan);
  return { events: new Set<string>(events), pidns, threads, scan, names: names ? nameMatcher(names) : undefined, source: procSourceOptions(rest, fn) };
}

/** Whether an event's process has one of `names` (see ProcEventsOptions.names). */
function nameMatcher(names: readonly (string | RegExp)[]): (e: ProcEnrichedEvent) => boolean {
  const exact = new Set(names.filter((n): n is string => typeof n === 'string'));
  const patterns = names.filter((n): n is RegExp => n instanceof RegExp);
  return (e) => {
    const comm = e.comm;
    if (comm !== undefined && (exact.has(comm) || patterns.some((r) => r.test(comm)))) return true;
    const exe = e.exe;
    return exe !== undefined && exe !== '' && exact.has(exe.slice(exe.lastIndexOf('/') + 1));
  };
}

/**
 * Process events of the netlink proc connector as objects, without BPF (CAP_NET_ADMIN): every exec
 * enriched from /proc as it arrives (comm, cmdline, exe; flagged `gone` when the process already
 * went), every exit with the name remembered from its fork, exec or the initial scan, and after any
 * loss (ENOBUFS) a /proc resynchronisation that emits what was missed (`origin: 'resync'`). Filters by
 * event name, pid namespace and process name; one fork and one exit per process unless `threads`. Every subscriber
 * shares one socket and one process table; the last to leave closes the socket.
 *
 * @example
 * procEvents({ events: ['exec', 'exit'], scan: true }).subscribe((e) => {
 *   if (e.type === 'proc-exec') console.log('exec', e.pid, e.comm, e.cmdline);
 *   if (e.type === 'proc-exit') console.log('exit', e.pid, e.comm, e.signal ? `signal ${e.signal}` : `code ${e.exitCode}`);
 * });
 * @throws KwireError EINVAL_ARGUMENT for a bad option (before anything opens); on subscribe,
 *   PermissionError (CAP_NET_ADMIN), KwireError ENATIVE or ENOT_BUILT.
 */
export function procEvents(options: Readonly<Partial<ProcEventsOptions>> = {}): ProcEventSource {
  const o = eventsOptions(options, 'procEvents()');
  const shared = sharedTracker(o.source);
  const source = sharedSource(o.source);
  const wanted = (e: ProcEnrichedEvent) =>
    o.events.has(eventName(e)) && (o.threads || isProcessLevel(e)) && (o.pidns === 0 || e.pidns === o.pidns) && (!o.names || o.names(e));
  const events = new Observable<ProcEnrichedEvent>((subscriber) => {
    const subscription = shared.events.subscribe({
      next: (e) => {
        if (wanted(e)) subscriber.next(e);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    const tracker = shared.current();
    if (o.scan && tracker) for (const e of tracker.scanEvents()) if (!subscriber.closed && wanted(e)) subscriber.next(e);
    return subscription;
  }) as ProcEventSource;
  events.stats = () => ({ ...source.stats(), tracker: shared.last() });
  return events;
}

/**
 * The pids procEvents() holds as alive now (its process table), for comparing with /proc; empty when
 * no procEvents() subscriber runs with these socket options.
 *
 * @example
 * const alive = procLivePids(); for (const pid of findDeletedProcesses(alive)) console.log('gone', pid);
 */
export function procLivePids(options: Readonly<Partial<ProcSourceOptions>> = {}): Set<number> {
  return trackers.get(keyOf(procSourceOptions(options, 'procLivePids()')))?.current()?.livePids() ?? new Set();
}
