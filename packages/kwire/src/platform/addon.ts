// Types of the kwire addon (native/, loaded by native.ts). They live in the library, whose published
// types use them; native/index.d.ts re-exports them for the repository's own code and tests.
// The addon moves bytes only: it never knows a record's fields.
// Every error it throws is a NativeError: an Error with a stable `code`, the `errno` seen (0 if none)
// and the failing call in `syscall`.

export interface NativeError extends Error {
  /** Stable: 'EARG' bad argument, 'ESTATE' wrong state (e.g. used after close), 'EOPEN' bpf_object__open,
   *  'ELOAD' bpf_object__load, 'EATTACH' attach, 'ENOENT' no such program/map/global, 'EMAP' map is not
   *  of the expected type, 'ESYS' any other failing system call. */
  code: string;
  errno: number;
  syscall: string;
  /** The last lines libbpf logged during the failing open, load or attach (its verifier log included), when any. */
  libbpfLog?: string;
}

export interface RingReaderStats {
  /** Kernel records copied into the shared ring. */
  records: number;
  /** Payload bytes copied. */
  bytes: number;
  /** Times the shared ring was full and the poll thread paused reading the kernel ring. */
  fullWaits: number;
  /** Wake-ups delivered to JS (one pending at most), including onData calls of JS-thread reads. */
  wakeups: number;
  /** onData calls made by the JS thread's own reads (wake mode 'adaptive' at a low rate, or 'js'). */
  jsThreadReads: number;
  /** Times the JS thread handed the reading over to the poll thread (wake mode 'adaptive'). */
  handOvers: number;
}

export declare class BpfObject {
  /** Opens (does not load) a BPF ELF object. */
  constructor(path: string);
  /** Before load: sets a global variable of .rodata/.data/.bss (found by name through BTF).
   *  bytes.length must equal the variable's size. */
  setGlobal(name: string, bytes: Uint8Array): void;
  /** Loads every program and map into the kernel. */
  load(): void;
  /** Before load: whether program `programName` is loaded and attached at all (bpf_program__set_autoload). */
  setAutoload(programName: string, load: boolean): void;
  /** Attaches every program (by its SEC name), keeping the links until close(). */
  attach(): void;
  /** After load: a copy of a global variable's current bytes (read from the mmaped map). */
  readGlobal(name: string): Uint8Array;
  /** Names of the object's programs. */
  programNames(): string[];
  /** Section names of the object's programs, in programNames() order (e.g. 'tp/syscalls/sys_enter_getppid'). */
  programSections(): string[];
  /** Starts a poll thread copying the records of a BPF_MAP_TYPE_RINGBUF map into the shared ring
   *  whose whole region (header + data, see src/ring/shared_ring_layout.h) `ring` views. `ring` must view a
   *  SharedArrayBuffer; capacity and magic must already be written. `onData` is called on the JS thread
   *  after records were published, at most one call pending at a time. With `paused`, the kernel ring
   *  is mapped but the thread waits for start() (the kernel keeps writing meanwhile: a pre-fill). */
  openRing(mapName: string, ring: Uint8Array, source: number, onData: () => void, options?: BpfReaderOptions): RingReader;
  /** After load: attaches a cgroup_skb (or other cgroup) program to a cgroup v2 directory (a link,
   *  multi-attach semantics). Detached by close(). */
  attachCgroup(program: string, cgroupPath: string): void;
  /** After load: attaches a tc program to an interface in one direction: a tcx link (Linux >= 6.6, so
   *  the kernel detaches it when the process dies), else a filter on the interface's clsact qdisc
   *  (created when absent, removed on close()). Detached by close(). */
  attachTc(program: string, ifname: string, direction: 'ingress' | 'egress'): void;
  /** Starts a poll thread copying the samples of a BPF_MAP_TYPE_PERF_EVENT_ARRAY map (one perf ring
   *  per CPU, opened here and stored into the map) into the shared ring, as openRing does for a ring
   *  buffer. Each payload is the PERF_SAMPLE_RAW bytes: the BPF program's record padded so that
   *  4 + length is a multiple of 8. PERF_RECORD_LOST counts go to the ring header's kernelLost. */
  openPerf(mapName: string, ring: Uint8Array, source: number, onData: () => void, options?: PerfOptions & BpfReaderOptions): PerfReader;
  /** BPF_PROG_TEST_RUN of a loaded program, on a libuv pool thread (the JS thread stays free). */
  testRun(programName: string, options?: TestRunOptions): Promise<TestRunResult>;
  /** Closes every reader, destroys every link, closes the object and its fds. Safe to call twice. */
  close(): void;
  /** Before load: a map's max_entries (bpf_map__set_max_entries), e.g. a ring buffer's byte size. */
  setMaxEntries(mapName: string, entries: number): void;
  /** After load: pins map `mapName` at `path` (in a bpffs). The map outlives the object while pinned. */
  pinMap(mapName: string, path: string): void;
  /** After load: pins program `programName` at `path`. */
  pinProgram(programName: string, path: string): void;
  /** After attach: pins the link attaching `programName` at `path`: it stays attached while pinned. */
  pinLink(programName: string, path: string): void;
}

export interface BpfMapInfo {
  name: string;
  id: number;
  /** BPF_MAP_TYPE_* number. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

/** A BPF map opened by its bpffs pin path. Keys and values are bytes of the map's own sizes. */
export declare class BpfMap {
  /** Opens the map pinned at `path` (bpf_obj_get): ESYS with errno ENOENT when nothing is pinned
   *  there, EMAP when what is pinned there is not a map. */
  constructor(path: string);
  info(): BpfMapInfo;
  /** The value under `key`, or null. */
  lookup(key: Uint8Array): Uint8Array | null;
  /** flags: 0 BPF_ANY, 1 BPF_NOEXIST (EEXIST if present), 2 BPF_EXIST (ENOENT if absent). A full
   *  hash map refuses a new key with E2BIG. */
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  /** False when `key` was absent. */
  delete(key: Uint8Array): boolean;
  /** The key after `key` (the first key for null), or null at the end. */
  nextKey(key: Uint8Array | null): Uint8Array | null;
  /** Closes the fd (the map lives on while pinned). Safe to call twice. */
  close(): void;
}

export interface ReaderOptions {
  /** Open everything but do not start the poll thread until start(). Default false. */
  paused?: boolean;
}

/** Options of openRing and openPerf. */
export interface BpfReaderOptions extends ReaderOptions {
  /** Who reads the kernel ring. 'adaptive' (default): the JS thread through a libuv poll handle (one
   *  context switch per notification) while the rate is low, the poll thread once it rises (a whole
   *  batch waiting, or above 50 000 records/s), back to the JS thread below 20 000 records/s over
   *  200 ms. 'thread': always the poll thread. 'js': always the JS thread. A perf buffer that wakes
   *  every N > 1 samples is always read by the poll thread (it looks every 10 ms). */
  wake?: WakeMode;
  /** While the JS thread reads: at most one read per this many ms (0..60000, default 0: every
   *  notification at once). A burst waits in the kernel ring up to this long; an event after a quiet
   *  spell, or after a read that found 1024 records or more, is read at once. */
  latencyBoundMs?: number;
}

/** Who reads a BPF ring or perf buffer: see BpfReaderOptions.wake. */
export type WakeMode = 'adaptive' | 'thread' | 'js';

/** What every producer (RingReader, PerfReader, FdReader) is to JS: a poll thread filling one shared
 *  ring, with its counters, a start() for a reader opened paused, and close(). */
export interface Reader<Stats extends RingReaderStats = RingReaderStats> {
  stats(): Stats;
  /** Starts the poll thread of a reader opened paused (no-op when it runs). ESTATE after close(). */
  start(): void;
  /** While the JS thread reads (wake 'adaptive' at a low rate, or 'js'): copies what the kernel ring
   *  holds into the shared ring now, without onData (before a planned stop: the source then decodes
   *  it). Returns the records copied; 0 while the poll thread reads (it copies on its own). */
  flush(): number;
  /** Stops and joins the poll thread, releases what it reads from and its dup of any fd. Safe to
   *  call twice. */
  close(): void;
}

export declare class RingReader implements Reader<RingReaderStats> {
  stats(): RingReaderStats;
  /** Starts the poll thread of a reader opened paused (no-op when it runs). ESTATE after close(). */
  start(): void;
  /** As Reader.flush(). */
  flush(): number;
  /** Stops and joins the poll thread, unmaps the kernel ring. Safe to call twice. */
  close(): void;
}

/** The shared ring's producer driven synchronously, with no kernel behind it (tests, benchmarks).
 *  Appends `payloads` as frames of `source` in order until one does not fit, publishes once, and
 *  returns how many were consumed (an oversize payload is counted in KW_RING_OVERSIZE and consumed). */
export declare function writeFrames(ring: Uint8Array, source: number, payloads: Uint8Array[]): number;
export interface PerfOptions {
  /** Data pages per CPU ring, a power of two. Default 64. */
  pageCount?: number;
  /** Wake the poll thread every N samples. Default 1 (as libbpf). Ignored when watermarkBytes is set. */
  wakeupEvents?: number;
  /** Wake the poll thread when this many bytes are pending instead. Default 0 (off). */
  watermarkBytes?: number;
}

export interface PerfReaderStats extends RingReaderStats {
  /** Records the kernel reported lost (PERF_RECORD_LOST), all CPUs. */
  lost: number;
  /** The same, by CPU number. */
  lostByCpu: Record<number, number>;
}

export declare class PerfReader implements Reader<PerfReaderStats> {
  stats(): PerfReaderStats;
  /** As RingReader.start(). */
  start(): void;
  /** As Reader.flush(). */
  flush(): number;
  /** Stops and joins the poll thread, removes the perf events from the map and unmaps their rings. */
  close(): void;
}

export interface FdReaderOptions extends ReaderOptions {
  /** 'datagram': each recv() is one record (sockets such as netlink; a datagram larger than maxRecord
   *  is counted as oversize, never split). 'u32le': a byte stream of records, each a u32
   *  little-endian payload length then the payload (a file or pipe of records). Default: 'datagram'
   *  for a SOCK_DGRAM, SOCK_SEQPACKET or SOCK_RAW socket, else 'u32le'. Either framing on the other
   *  kind of fd is EARG. */
  framing?: 'datagram' | 'u32le';
  /** Largest record accepted (bytes), 1..the ring's max payload (capacity / 2). Default 65536, or the
   *  ring's max payload when smaller. A u32le record over it is counted as oversize and skipped. */
  maxRecord?: number;
}

export interface FdReaderStats extends RingReaderStats {
  /** End of input reached (EOF on a stream; never for SOCK_DGRAM/SOCK_RAW sockets; the peer's close
   *  for SOCK_SEQPACKET, where a zero-length message reads the same) and everything published. Also
   *  true after a read error (see errno). When true, the counters of the same stats() are final. */
  ended: boolean;
  /** errno of a read error that stopped the reader, else 0. */
  errno: number;
  /** Records the producer lost: ENOBUFS on a socket (the kernel dropped datagrams, counted once per
   *  ENOBUFS; reading goes on, it never ends the stream), a truncated last record of a stream. Also
   *  added to the ring header's kernelLost counter. */
  lost: number;
}

/** A producer that is not BPF: reads records from a file descriptor on its own poll thread into the
 *  shared ring (see openFdReader). */
export declare class FdReader implements Reader<FdReaderStats> {
  stats(): FdReaderStats;
  /** As RingReader.start(). */
  start(): void;
  /** As Reader.flush() (always 0: its poll thread reads). */
  flush(): number;
  /** Stops and joins the poll thread and closes the reader's dup of the fd (never the caller's fd).
   *  Safe to call twice, and needed after `ended` too (an ended reader still holds the event loop). */
  close(): void;
}

/** Starts a poll thread copying the records read from `fd` into the shared ring (as openRing does for
 *  a BPF ring buffer). The fd is borrowed: the reader dups it (F_DUPFD_CLOEXEC) and leaves the file
 *  description's flags alone; close() closes the dup. Sockets are read with recv(MSG_DONTWAIT), pipes
 *  and FIFOs when epoll says they are readable, a regular file (which epoll refuses) until EOF.
 *  A record that does not fit the shared ring now waits for room (fullWaits), never dropped. At EOF
 *  of a stream, or on a read error (stats().errno), the reader publishes what it has, sets
 *  stats().ended, calls onData a last time (after those records are visible) and its thread ends.
 *  EARG for bad arguments, including a closed fd (errno EBADF) and a framing the fd cannot carry. */
export declare function openFdReader(fd: number, ring: Uint8Array, source: number, onData: () => void, options?: FdReaderOptions): FdReader;

export interface TestRunOptions {
  /** Runs of the program per BPF_PROG_TEST_RUN call. Default 1. */
  repeat?: number;
  /** Calls. Default 1. */
  batches?: number;
  /** Calls start this far apart (absolute deadlines). Default 0: back to back. */
  intervalNs?: number;
  /** Pin the running thread to this CPU for the run. Default: not pinned. */
  cpu?: number;
  /** Bytes of zeroed packet data. Default 64. */
  dataSize?: number;
}

export interface TestRunResult {
  /** The program's return value in the last run. */
  retval: number;
  /** Program runs done. */
  runs: number;
  /** Wall time of the whole run. */
  durationNs: number;
}

/** Opens the proc connector (<linux/cn_proc.h>): a NETLINK_CONNECTOR datagram socket bound to the
 *  CN_IDX_PROC group, its receive buffer set with SO_RCVBUFFORCE when `rcvbuf` > 0 (the kernel stores
 *  twice the value; 0 or absent: the system default), subscribed with PROC_CN_MCAST_LISTEN. Returns the
 *  fd (close-on-exec, blocking), owned by the caller: read it with openFdReader (framing 'datagram'),
 *  send 'ignore' with procConnectorControl, then close it. Throws NativeError ESYS (EPERM from bind or
 *  setsockopt without CAP_NET_ADMIN) or EARG, and leaves nothing open. */
export declare function openProcConnector(options?: { rcvbuf?: number }): number;

/** Sends PROC_CN_MCAST_LISTEN or PROC_CN_MCAST_IGNORE on a socket of openProcConnector. Throws
 *  NativeError ESYS on a failed send(), EARG on bad arguments. */
export declare function procConnectorControl(fd: number, op: 'listen' | 'ignore'): void;

/** Whether the kernel can create BPF ring buffers (Linux >= 5.8). */
export declare function ringbufSupported(): boolean;

/** CLOCK_BOOTTIME nanoseconds: the clock of kernel record times (bpf_ktime_get_boot_ns). */
export declare function bootTimeNs(): bigint;
/** mount(2) of a pseudo filesystem (tracefs) at `target` (nosuid, nodev, noexec). Throws ESYS with errno. */
export declare function mount(fstype: string, target: string): void;
/** umount2(2) of `target`; `lazy`: MNT_DETACH. Throws ESYS with errno. */
export declare function unmount(target: string, lazy?: boolean): void;

/** The live ETW session's configuration: declared once, beside the code that computes it. */
export type { EtwSessionConfig } from '../kinds/etw-session.js';
import type { EtwSessionConfig } from '../kinds/etw-session.js';

export interface EtwReaderStats extends RingReaderStats {
  /** Events dropped by the callback: of a class not asked for (TcpIp when only UDP was). */
  filtered: number;
  /** Events larger than half the shared ring (also in the ring header's oversize counter). */
  oversize: number;
  /** The session's EventsLost: events ETW had no free buffer for. */
  eventsLost: number;
  /** The session's RealTimeBuffersLost: buffers the real-time consumer never received. */
  realTimeBuffersLost: number;
  /** How the state was run down: 'set-information', 'rundown-session', or '' (none, or none worked). */
  rundown: string;
  /** ProcessTrace returned (the session was stopped, by close() or from outside) and all is published. */
  ended: boolean;
  /** ProcessTrace's Win32 status once ended, else 0. */
  status: number;
}

/** The live ETW producer (Windows addon only, native/win/): a kernel trace session and the
 *  ProcessTrace thread writing one frame per event into the shared ring (kinds/etw-frame.ts). */
export declare class EtwReader {
  stats(): EtwReaderStats;
  /** Starts the ProcessTrace thread of a reader opened paused. ESTATE after close(). */
  start(): void;
  /** Stops the sessions (ETW delivers their last buffers), joins the thread. Safe to call twice. */
  close(): void;
}

/** Windows addon only: starts the session `config` describes (a session of the same name left running
 *  is stopped first), runs the state down, and starts the ProcessTrace thread. Errors: code
 *  'ELOGGER_LIMIT' (ERROR_NO_SYSTEM_RESOURCES: no free logger), 'EPERM' (access denied), 'ESYS'
 *  (another Win32 error, in errno), 'EARG'. */
export declare function openEtw(config: EtwSessionConfig, ring: Uint8Array, source: number, onData: () => void): EtwReader;

/** 'win32' in the Windows addon; absent in the Linux one. */
export declare const platform: 'win32' | undefined;
