// The exit-status store: trace a chosen pid under a trace id, read its exit status later. The BPF side
// (bpf/exit_store.bpf.c) is loaded once and pinned with its link and its two maps under a bpffs root,
// so it keeps recording while no process holds it, and a restarted process finds the exits it missed.
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bpfObjectPath } from '../platform/artifacts.js';
import { ensureBpffs, releaseBpffs } from '../platform/bpffs.js';
import { requireTracingCapabilities } from '../platform/capabilities.js';
import { checkOptions, checkString } from '../validate.js';
import { KwireError } from '../errors.js';
import type { ExitEvent } from './exit.js';
import { decodeExitRecord, encodeExitRecord } from './exit-record.js';
import { loadAddon, nativeCall, type BpfMap } from '../platform/native.js';
import { ownPidNamespace, u64Bytes } from '../platform/pidns.js';
import { bootTimeNs } from '../platform/boot-time.js';

/**
 * The name of the store's pin directory under the bpffs root.
 *
 * @example
 * existsSync(join('/sys/fs/bpf', EXIT_STORE_DIR)) // true once a store runs there
 */
export const EXIT_STORE_DIR = 'kwire-exit-store';
const PINS = { program: 'kw_exit_store', link: 'kw_exit_store_link', tracing: 'tracing_tasks', exited: 'exited_events' } as const;
const PROGRAM = 'kw_exit_store';
const BPF_NOEXIST = 1;
const ENOENT = 2;
const EEXIST = 17;
const E2BIG = 7;
/** bpf/include/exit.h flag of a record written from user space (exitedFromWaitStatus), not by the kernel. */
export const EXIT_F_FROM_WAIT = 0x100;

export interface ExitStoreOptions {
  /** Pids traced at once at most (tracing_tasks entries), when the store is created. Default: 4096. */
  maxTraced: number;
  /** Exits kept until deleted (exited_events entries), when the store is created. Default: 4096. */
  maxExited: number;
  /** Mount a bpffs at the root when it is a plain directory. Default: true. */
  mount: boolean;
}

export interface TracingTask {
  traceId: bigint;
  /** Inode of the pid namespace the pid is counted in. */
  pidns: number;
}

export interface ExitStatus extends Omit<ExitEvent, 'type'> {
  traceId: bigint;
  /** Written from a wait status by exitedFromWaitStatus (times are then approximate), not by the kernel. */
  fromWait: boolean;
}

const u32Key = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const traceKey = (id: bigint) => u64Bytes(id);

/**
 * The exit-status store: exits of chosen pids, recorded by a pinned BPF program into pinned maps, so
 * any process (not only the parent) can learn how a traced process ended, under a trace id of its own.
 *
 * @example
 * const store = ExitStore.ensureRunning('/sys/fs/bpf');
 * store.trace(child.pid!, { traceId: 42n });
 * // … later, in this or another process:
 * const status = ExitStore.open('/sys/fs/bpf').getExited(42n); // { exitCode, signal, … } or undefined
 * @throws KwireError EINVAL_ARGUMENT for bad arguments (every method), ENATIVE for a failing map call.
 */
export class ExitStore {
  private constructor(
    /** The directory holding the pins. */
    readonly dir: string,
    private readonly tracing: BpfMap,
    private readonly exited: BpfMap,
  ) {}

  /**
   * Opens the store pinned under `bpffsRoot`, loading and pinning it first if it is not there.
   *
   * @throws KwireError EINVAL_ARGUMENT for bad options; PermissionError naming the missing capabilities;
   *   KwireError ENOT_BPFFS, ENOT_BUILT or ENATIVE.
   */
  static ensureRunning(bpffsRoot: string, options: Readonly<Partial<ExitStoreOptions>> = {}): ExitStore {
    checkString('ExitStore.ensureRunning()', 'bpffsRoot', bpffsRoot);
    checkOptions('ExitStore.ensureRunning()', options, 'options', ['maxTraced', 'maxExited', 'mount']);
    const { maxTraced = 4096, maxExited = 4096, mount = true } = options;
    for (const [name, n] of [['maxTraced', maxTraced], ['maxExited', maxExited]] as const) {
      if (!Number.isInteger(n) || n < 1 || n > 1 << 24) throw new KwireError('EINVAL_ARGUMENT', `ExitStore.ensureRunning(): ${name} must be an integer in 1..2^24, got ${n}`);
    }
    requireTracingCapabilities('the exit-status store');
    const root = ensureBpffs(bpffsRoot, mount);
    const dir = join(root, EXIT_STORE_DIR);
    if (!existsSync(dir)) createPinned(root, dir, maxTraced, maxExited);
    return ExitStore.open(root);
  }

  /**
   * Opens a store already pinned under `bpffsRoot`.
   *
   * @throws KwireError EINVAL_ARGUMENT when no complete store is pinned there; ENOT_BUILT or ENATIVE
   *   (PermissionError on EPERM) when its maps cannot be opened.
   */
  static open(bpffsRoot: string): ExitStore {
    checkString('ExitStore.open()', 'bpffsRoot', bpffsRoot);
    const dir = join(bpffsRoot, EXIT_STORE_DIR);
    const missing = Object.values(PINS).filter((p) => !existsSync(join(dir, p)));
    if (missing.length > 0) {
      throw new KwireError('EINVAL_ARGUMENT', `ExitStore.open(): no complete exit-status store at ${dir} (missing ${missing.join(', ')}); ExitStore.remove() clears a broken one`);
    }
    const addon = loadAddon();
    const what = `opening the exit-status store at ${dir}`;
    const tracing = nativeCall(what, () => new addon.BpfMap(join(dir, PINS.tracing)));
    try {
      const exited = nativeCall(what, () => new addon.BpfMap(join(dir, PINS.exited)));
      return new ExitStore(dir, tracing, exited);
    } catch (error) {
      tracing.close();
      throw error;
    }
  }

  /** Unpins the store under `bpffsRoot`: the program detaches and the maps are freed once no process
   *  holds them; a bpffs that ensureRunning mounted there is unmounted once nothing else is pinned in it.
   *  True when there was something to remove. */
  static remove(bpffsRoot: string): boolean {
    checkString('ExitStore.remove()', 'bpffsRoot', bpffsRoot);
    const dir = join(bpffsRoot, EXIT_STORE_DIR);
    if (!existsSync(dir)) return false;
    unpinAll(dir);
    releaseBpffs(bpffsRoot); // the bpffs ensureRunning mounted, now empty
    return true;
  }

  /**
   * Records the exit of `pid` (as counted in pid namespace `pidns`, default ours) under `traceId`.
   *
   * @throws KwireError EINVAL_ARGUMENT for a bad pid, trace id or pidns, or a pid already traced;
   *   EMAP_FULL when the store traces its maximum; ENO_SUCH_PROCESS when the pid does not exist or exits
   *   meanwhile; ENATIVE.
   */
  trace(pid: number, options: { traceId: bigint; pidns?: number }): void {
    checkPid(pid, 'trace()');
    if (typeof options !== 'object' || options === null) throw new KwireError('EINVAL_ARGUMENT', 'trace(): the options { traceId } are required, as in trace(pid, { traceId: 42n })');
    checkTraceId(options.traceId, 'trace()');
    if (options.pidns !== undefined && !(Number.isInteger(options.pidns) && options.pidns > 0 && options.pidns <= 0xffffffff)) {
      throw new KwireError('EINVAL_ARGUMENT', `trace(): pidns must be a pid namespace inode (a u32), got ${String(options.pidns)}`);
    }
    const own = ownPidNamespace().inode;
    const pidns = options.pidns ?? own;
    const value = new Uint8Array(16);
    const v = new DataView(value.buffer);
    v.setBigUint64(0, options.traceId, true);
    v.setUint32(8, pidns, true);
    if (pidns === own) requireLive(pid);
    try {
      nativeCall('trace', () => this.tracing.update(u32Key(pid), value, BPF_NOEXIST));
    } catch (error) {
      const errno = (error as KwireError).errno;
      if (errno === E2BIG) throw new KwireError('EMAP_FULL', `cannot trace pid ${pid}: the store already traces ${this.tracing.info().maxEntries} pids`, { cause: error });
      if (errno === EEXIST) throw new KwireError('EINVAL_ARGUMENT', `trace(): pid ${pid} is already traced (under trace id ${this.getTracingTask(pid)?.traceId})`, { cause: error });
      throw error;
    }
    // It may have exited between the check and the insert, unseen by the kernel side: undo, say so.
    if (pidns === own && !isLive(pid) && this.getExited(options.traceId) === undefined) {
      this.untrace(pid);
      throw new KwireError('ENO_SUCH_PROCESS', `pid ${pid} exited while it was being traced: its status is only known to its parent's waitpid`);
    }
  }

  /**
   * The trace id and pid namespace `pid` is traced under, or undefined when it is not traced.
   *
   * @throws KwireError EINVAL_ARGUMENT for a bad pid; ENATIVE.
   */
  getTracingTask(pid: number): TracingTask | undefined {
    checkPid(pid, 'getTracingTask()');
    const bytes = nativeCall('getTracingTask', () => this.tracing.lookup(u32Key(pid)));
    if (!bytes) return undefined;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return { traceId: v.getBigUint64(0, true), pidns: v.getUint32(8, true) };
  }

  /** Stops tracing `pid`. False when it was not traced (or its exit was already recorded). */
  untrace(pid: number): boolean {
    checkPid(pid, 'untrace()');
    return nativeCall('untrace', () => this.tracing.delete(u32Key(pid)));
  }

  /**
   * The exit recorded under `traceId`, or undefined when none is (yet).
   *
   * @throws KwireError EINVAL_ARGUMENT for a trace id that is not a u64 bigint; ENATIVE.
   */
  getExited(traceId: bigint): ExitStatus | undefined {
    checkTraceId(traceId, 'getExited()');
    const bytes = nativeCall('getExited', () => this.exited.lookup(traceKey(traceId)));
    if (!bytes) return undefined;
    const e = decodeExitRecord(bytes);
    if (!e) return undefined;
    const { type: _type, ...rest } = e;
    return { ...rest, traceId, fromWait: (new DataView(bytes.buffer, bytes.byteOffset).getUint32(52, true) & EXIT_F_FROM_WAIT) !== 0 };
  }

  /**
   * Forgets the exit recorded under `traceId`. False when there was none.
   *
   * @throws KwireError EINVAL_ARGUMENT for a trace id that is not a u64 bigint; ENATIVE.
   */
  deleteExited(traceId: bigint): boolean {
    checkTraceId(traceId, 'deleteExited()');
    return nativeCall('deleteExited', () => this.exited.delete(traceKey(traceId)));
  }

  /** Trace ids that have an exit recorded. */
  exitedTraceIds(): bigint[] {
    const ids: bigint[] = [];
    for (let key = this.exited.nextKey(null); key; key = this.exited.nextKey(key)) ids.push(new DataView(key.buffer).getBigUint64(0, true));
    return ids;
  }

  /** Records an exit learned from waitpid(2) (`status` as it encodes it) under `traceId`, unless the
   *  kernel side recorded it first, and stops tracing `pid`. True when this call recorded it. */
  exitedFromWaitStatus(traceId: bigint, pid: number, status: number, comm = ''): boolean {
    checkTraceId(traceId, 'exitedFromWaitStatus()');
    checkPid(pid, 'exitedFromWaitStatus()');
    if (typeof comm !== 'string') throw new KwireError('EINVAL_ARGUMENT', `exitedFromWaitStatus(): comm must be a string, got ${typeof comm}`);
    if (!Number.isInteger(status) || status < 0 || status > 0xffff) throw new KwireError('EINVAL_ARGUMENT', `exitedFromWaitStatus(): status must be a wait(2) status word, got ${status}`);
    const traced = this.getTracingTask(pid);
    const ns = ownPidNamespace();
    const record = encodeExitRecord({
      startTime: 0n,
      exitTime: bootTimeNs(), // CLOCK_BOOTTIME, the kernel records' clock
      cgroupId: 0n,
      pidnsDev: ns.dev,
      pid,
      tid: pid,
      ppid: process.pid,
      status,
      pidns: traced?.pidns ?? ns.inode,
      flags: 0x1 | EXIT_F_FROM_WAIT,
      comm,
    });
    if (traced?.traceId === traceId) this.untrace(pid);
    try {
      nativeCall('exitedFromWaitStatus', () => this.exited.update(traceKey(traceId), record, BPF_NOEXIST));
      return true;
    } catch (error) {
      const errno = (error as KwireError).errno;
      if (errno === EEXIST) return false;
      if (errno === E2BIG) throw new KwireError('EMAP_FULL', `cannot record the exit of pid ${pid}: the store's exited_events map is full`, { cause: error });
      throw error;
    }
  }

  /** Closes this process's fds; the store keeps running. */
  close(): void {
    this.tracing.close();
    this.exited.close();
  }
}

function isLive(pid: number): boolean {
  try {
    // A zombie has already passed sched_process_exit: for the store it is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function requireLive(pid: number): void {
  if (!isLive(pid)) throw new KwireError('ENO_SUCH_PROCESS', `cannot trace pid ${pid}: no such process (or it has already exited)`);
}

/** Loads the program, pins everything in a staging directory, then renames it into place: another
 *  process sees either no store or a complete one; if another won the race, ours is dropped. */
function createPinned(root: string, dir: string, maxTraced: number, maxExited: number): void {
  const addon = loadAddon();
  const what = `creating the exit-status store at ${dir}`;
  // bpffs refuses names with a dot.
  const staging = join(root, `${EXIT_STORE_DIR}-staging-${process.pid}-${Date.now()}`);
  const object = nativeCall(what, () => new addon.BpfObject(bpfObjectPath('exit_store')));
  let pinned = false;
  try {
    nativeCall(what, () => {
      object.setGlobal('nsfs_dev', u64Bytes(ownPidNamespace().dev));
      object.setMaxEntries(PINS.tracing, maxTraced);
      object.setMaxEntries(PINS.exited, maxExited);
      object.load();
      object.attach();
    });
    mkdirSync(staging);
    pinned = true;
    nativeCall(what, () => {
      object.pinMap(PINS.tracing, join(staging, PINS.tracing));
      object.pinMap(PINS.exited, join(staging, PINS.exited));
      object.pinProgram(PROGRAM, join(staging, PINS.program));
      object.pinLink(PROGRAM, join(staging, PINS.link));
    });
    try {
      renameSync(staging, dir);
      pinned = false;
    } catch (error) {
      if (!existsSync(dir)) throw error; // else another process pinned its store first: use that one
    }
  } catch (error) {
    throw error instanceof KwireError ? error : new KwireError('ENATIVE', `${what}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (pinned) unpinAll(staging);
    object.close(); // the pinned link keeps the program attached
  }
}

function unpinAll(dir: string): void {
  for (const pin of Object.values(PINS)) {
    try {
      unlinkSync(join(dir, pin));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).errno !== -ENOENT && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  rmdirSync(dir);
}

function checkPid(pid: unknown, fn: string): void {
  if (!(typeof pid === 'number' && Number.isInteger(pid) && pid > 0 && pid <= 0x3fffffff)) throw new KwireError('EINVAL_ARGUMENT', `${fn}: pid must be a positive integer, got ${String(pid)}`);
}

function checkTraceId(traceId: unknown, fn: string): void {
  if (typeof traceId !== 'bigint' || traceId < 0n || traceId >= 2n ** 64n) {
    throw new KwireError('EINVAL_ARGUMENT', `${fn}: traceId must be a u64 bigint (e.g. 42n), got ${typeof traceId === 'number' ? `the number ${traceId}` : String(traceId)}`);
  }
}
