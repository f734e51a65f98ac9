// Options every live command takes, parsed with node:util parseArgs.
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';
import { natsHelp, natsOptions, parseNats, type NatsPublishOptions } from './nats-options.js';
import { parseSize } from './output-file.js';

export const commonOptions = {
  json: { type: 'boolean', default: false },
  msgpack: { type: 'boolean', default: false },
  addresses: { type: 'string' },
  duration: { type: 'string' },
  pidns: { type: 'string' },
  stats: { type: 'boolean', default: false },
  output: { type: 'string', short: 'o' },
  rotate: { type: 'string' },
  'time-format': { type: 'string' },
  t: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  ...natsOptions,
} as const satisfies ParseArgsConfig['options'];

/** Each common option's help, whole (an entry may span lines), so a command can leave one out. */
const commonOptionHelp = {
  json: '  --json              one JSON object per line (64-bit values as decimal strings) (default: a table)',
  msgpack: '  --msgpack           a stream of MessagePack maps, JSON\'s field names (64-bit values as uint64)\n                      (default: a table)',
  addresses: "  --addresses KIND    with --msgpack: addresses as 'string' or 'bytes' (4 or 16) (default: string)",
  duration: '  --duration SECONDS  stop after this many seconds (default: until Ctrl-C)',
  pidns: '  --pidns INODE       only processes in this pid namespace, e.g. $(stat -L -c %i /proc/PID/ns/pid);\n                      exec, exit: an NSPID column (JSON nspid), the pid as it sees it (default: all)',
  stats: "  --stats             print the source's counters to stderr at the end (default: off)",
  nats: natsHelp,
  output: "  -o, --output FILE   write to FILE (appended to; SIGUSR1 reopens it, for logrotate) (default: stdout)",
  rotate: "  --rotate SIZE       with -o: at SIZE (e.g. 100M) FILE becomes FILE.1 (FILE.1 FILE.2 …, 5 kept)\n                      (default: never)",
  'time-format': "  --time-format F     the TIME column: clock (HH:MM:SS), iso (ISO 8601 UTC, ms), boot (seconds\n                      since boot, ms) or none (no TIME column) (default: clock)",
  t: '  -t                  the TIME column in seconds since the command started, ms (default: off)',
  help: '  -h, --help          this help',
} as const;

/** The common options' help, without those a command does not take. */
export function commonHelpWithout(...left: (keyof typeof commonOptionHelp)[]): string {
  return ['Common options:', ...Object.entries(commonOptionHelp).filter(([name]) => !left.includes(name as keyof typeof commonOptionHelp)).map(([, text]) => text)].join('\n');
}

export const commonHelp = commonHelpWithout();

export type TimeColumn = 'clock' | 'iso' | 'boot' | 'none' | 'since-start';

export interface CommonOptions {
  /** The TIME column's format (-t: 'since-start'). */
  timeFormat: TimeColumn;
  /** -o FILE, and --rotate's bytes. */
  output?: { path: string; rotate?: number };
  json: boolean;
  msgpack: boolean;
  addresses: 'string' | 'bytes';
  durationMs?: number;
  pidns?: number;
  stats: boolean;
  /** --nats: publish instead of printing (nats-options.ts). */
  nats?: NatsPublishOptions;
}

export function parseCommon(values: { json?: boolean; msgpack?: boolean; addresses?: string; duration?: string; pidns?: string; stats?: boolean; output?: string; rotate?: string; 'time-format'?: string; t?: boolean } & Parameters<typeof parseNats>[0]): CommonOptions {
  const out: CommonOptions = { json: values.json ?? false, msgpack: values.msgpack ?? false, addresses: 'string', stats: values.stats ?? false, timeFormat: 'clock' };
  const format = values['time-format'];
  if (format !== undefined && !['clock', 'iso', 'boot', 'none'].includes(format)) throw new UsageError(`--time-format wants clock, iso, boot or none, got '${format}'`);
  if (values.t && format !== undefined) throw new UsageError('-t and --time-format: choose one');
  out.timeFormat = values.t ? 'since-start' : ((format ?? 'clock') as TimeColumn);
  if (values.rotate !== undefined && values.output === undefined) throw new UsageError('--rotate is for -o FILE (stdout cannot be rotated)');
  if (values.output !== undefined) out.output = { path: values.output, ...(values.rotate === undefined ? {} : { rotate: parseSize(values.rotate) }) };
  const nats = parseNats(values);
  if (nats) {
    if (out.json || out.msgpack) throw new UsageError('--nats publishes the events instead of printing them: leave out --json and --msgpack');
    out.nats = nats;
  }
  if (out.json && out.msgpack) throw new UsageError('--json and --msgpack: choose one');
  if (out.msgpack && process.stdout.isTTY && out.output === undefined) throw new UsageError('--msgpack writes binary: redirect it to a file or a pipe, not the terminal');
  if (values.addresses !== undefined) {
    if (values.addresses !== 'string' && values.addresses !== 'bytes') throw new UsageError(`--addresses wants 'string' or 'bytes', got '${values.addresses}'`);
    if (!out.msgpack) throw new UsageError('--addresses is for --msgpack (JSON and the table always write addresses as text)');
    out.addresses = values.addresses;
  }
  if (values.duration !== undefined) {
    const seconds = Number(values.duration);
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--duration wants a positive number of seconds, got '${values.duration}'`);
    out.durationMs = seconds * 1000;
  }
  if (values.pidns !== undefined) {
    const inode = Number(values.pidns);
    if (!Number.isInteger(inode) || inode <= 0 || inode > 0xffffffff) throw new UsageError(`--pidns wants a pid namespace inode, got '${values.pidns}'`);
    out.pidns = inode;
  }
  return out;
}

/** --transport, for the sources whose BPF objects can write to either transport (exec, exit). */
export const transportOption = { transport: { type: 'string' } } as const satisfies ParseArgsConfig['options'];

export const transportHelp = `  --transport KIND    kernel→user transport: 'auto' (default: ringbuf when the kernel has BPF ring
                      buffers, Linux >= 5.8, else perf), 'ringbuf', or 'perf' (a perf event array)`;

/** --latency-bound, for the process sources (exec, exit): how long a burst may gather before it is read. */
export const latencyOption = { 'latency-bound': { type: 'string' } } as const satisfies ParseArgsConfig['options'];

/** The commands' default: a burst of events is read every 50 ms at most (half the CPU per event in a
 *  fork storm, bench/results/speed.md); an event after a quiet spell is read at once. */
export const DEFAULT_LATENCY_BOUND_MS = 50;

export const latencyHelp = `  --latency-bound MS  read a burst of events at most every MS milliseconds: fewer, larger batches,
                      less CPU per event; no event waits longer (default: ${DEFAULT_LATENCY_BOUND_MS}; 0: each at once)`;

export function parseLatencyBound(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LATENCY_BOUND_MS;
  const ms = Number(value);
  if (!(Number.isInteger(ms) && ms >= 0 && ms <= 60000)) throw new UsageError(`--latency-bound wants whole milliseconds from 0 to 60000, got '${value}'`);
  return ms;
}

export function parseTransport(value: string | undefined): 'auto' | 'ringbuf' | 'perf' {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'ringbuf' || value === 'perf') return value;
  throw new UsageError(`--transport wants 'auto', 'ringbuf' or 'perf', got '${value}'`);
}

/** The process filters of exec and exit: in the kernel (pid, ppid, uid, cgroup; pidns is common), and --comm here. */
export const processFilterOptions = {
  pid: { type: 'string' },
  ppid: { type: 'string' },
  uid: { type: 'string' },
  comm: { type: 'string' },
  cgroup: { type: 'string' },
  failed: { type: 'boolean', short: 'x', default: false },
} as const satisfies ParseArgsConfig['options'];

export const processFilterHelp = `  --pid PID           only this process (filtered in the kernel) (default: all)
  --ppid PID          only children of this process (filtered in the kernel) (default: all)
  --uid UID           only processes of this uid (filtered in the kernel) (default: all)
  --comm REGEX        only commands (PCOMM) matching this JavaScript regular expression (default: all)
  --cgroup PATH       only processes in this cgroup v2 directory or below (filtered in the kernel),
                      e.g. /sys/fs/cgroup/system.slice (default: all)`;

export interface ProcessFilters {
  /** The library's options: pid, ppid, uid, cgroup. */
  kernel: { pid?: number; ppid?: number; uid?: number; cgroup?: string };
  /** --comm, matched here against each event's comm. */
  comm?: RegExp;
}

export function parseProcessFilters(values: { pid?: string; ppid?: string; uid?: string; comm?: string; cgroup?: string }): ProcessFilters {
  const kernel: ProcessFilters['kernel'] = {};
  for (const name of ['pid', 'ppid', 'uid'] as const) {
    const text = values[name];
    if (text === undefined) continue;
    const n = Number(text);
    const min = name === 'uid' ? 0 : 1;
    if (!/^\d+$/.test(text) || n < min || n > (name === 'uid' ? 0xfffffffe : 0x3fffffff)) throw new UsageError(`--${name} wants ${name === 'uid' ? 'a uid' : 'a process id'} (a number), got '${text}'`);
    kernel[name] = n;
  }
  if (values.cgroup !== undefined) kernel.cgroup = values.cgroup;
  let comm: RegExp | undefined;
  if (values.comm !== undefined) {
    try {
      comm = new RegExp(values.comm);
    } catch (error) {
      throw new UsageError(`--comm wants a regular expression: ${(error as Error).message}`);
    }
  }
  return { kernel, ...(comm ? { comm } : {}) };
}
