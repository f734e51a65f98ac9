// exec: every successful execve/execveat, from tracepoint sched/sched_process_exec (bpf/exec.bpf.c).
// The record kind's one declaration; everything else is generated from it (generated/exec.ts).
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:os';
import { cstring } from '../layout/layout.js';
import { defineKind } from '../pipeline/kind.js';
import { u32Bytes } from '../producers/bpf.js';
import { checkBoolean, checkOneOf, invalidArgument } from '../validate.js';
import type { BpfObject } from '../platform/native.js';
import { processCapture, processColumns, processOptions, processPlan, type ProcessOptions } from './process-options.js';
import type { ExecBatch } from '../generated/exec.js';

/**
 * The bits of an exec record's `flags` (bpf/include/exec.h): argv or filename cut short, argv unreadable,
 * the exec failed (its errno in bits 16..31).
 *
 * @example
 * if (batch.flags[i]! & ExecFlags.argvTruncated) console.log('argv truncated');
 */
export const ExecFlags = { argvTruncated: 0x1, filenameTruncated: 0x2, argvFault: 0x4, failed: 0x8 } as const;

/** The filters pidns, pid, ppid, uid, cgroup (default: all), transport and perf (default 'auto'),
 *  ringCapacity (default 4 MiB), batchSize (default 1024), and: */
export interface ExecOptions extends ProcessOptions {
  /** A record for each failed exec too (execsnoop -x), with `ret` its negative errno (needs argv 'caller'). Default: false. */
  failed: boolean;
  /** 'caller': argv as execve(2) received it, read at the syscall's entry (a script's `./s.sh arg`, its
   *  argv[0] kept), at the price of a program every syscall of the machine runs (bench/results/exec-syscall.md);
   *  'exec': the new process's argv, read at sched_process_exec only (a script shows its interpreter
   *  first; no cost to other syscalls). Default: 'caller'. */
  argv: 'caller' | 'exec';
}

export interface ExecEvent {
  type: 'exec';
  /** Boot-time nanoseconds. */
  ts: bigint;
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: string;
  filename: string;
  argv: string[];
  /** argv (or the filename) was longer than the kernel-side limit: argv holds a prefix, its last element may be cut. */
  truncated: boolean;
  /** Inode of the process's pid namespace. */
  pidns: number;
  cgroupId: bigint;
  /** 0 for an exec that succeeded, else its negative errno (records of failed execs: option `failed`). */
  ret: number;
  /** Present only when the filename or argv is not valid UTF-8 (their strings then hold U+FFFD): the
   *  exact bytes of both, `filename NUL argv[0] NUL …` (the CLI writes it as an escape form in JSON, as
   *  bytes in MessagePack). */
  argsRaw?: Uint8Array;
}

/** errno names by number (ENOENT…), for failed execs. */
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

const quote = (s: string) => (s === '' || /[\s"'\\]/.test(s) ? JSON.stringify(s) : s);
const ret = (b: ExecBatch, i: number) => (b.flags[i]! & ExecFlags.failed ? -(b.flags[i]! >>> 16) : 0);
const truncated = (b: ExecBatch, i: number) => (b.flags[i]! & (ExecFlags.argvTruncated | ExecFlags.filenameTruncated)) !== 0;

export const execKind = defineKind({
  name: 'exec', sourceId: 1, object: 'exec', layoutVersion: 1, // bpf/include/exec.h EXEC_LAYOUT_VERSION (test/raw-frames.test.ts checks they agree)
  // bpf/include/exec.h: a fixed head, then filename and argv as NUL-separated strings.
  layout: { name: 'exec', struct: 'exec_event', size: 64,
    fields: [
      { name: 'ts', type: 'u64' }, { name: 'cgroupId', type: 'u64' },
      { name: 'pid', type: 'u32' }, { name: 'ppid', type: 'u32' }, { name: 'uid', type: 'u32' }, { name: 'gid', type: 'u32' }, { name: 'pidns', type: 'u32' },
      { name: 'argc', type: 'u32' }, { name: 'argsSize', type: 'u32' }, { name: 'flags', type: 'u32' },
      { name: 'comm', type: cstring(16) },
    ],
    tail: { name: 'args', sizeField: 'argsSize' },
  },
  time: 'ts',
  // Average filename+argv bytes budgeted per record; one record's tail can be EXEC_TAIL_MAX long.
  heap: { bytesPerRecord: 512, max: 4096 + 8192 },
  accessors: {
    filename: { returns: 'string', doc: "Record i's filename: the first string of its args.", get: (b: ExecBatch, i: number) => b.args(i)[0] ?? '' },
    argv: { returns: 'string[]', doc: "Record i's argv, argv[0] first: its args after the filename.", get: (b: ExecBatch, i: number) => b.args(i).slice(1) },
    truncated: { returns: 'boolean', doc: "Whether record i's argv or filename was cut short (ExecFlags).", get: truncated },
    ret: { returns: 'number', doc: "Record i's exec result: 0, or the negative errno of a failed exec.", get: (b: ExecBatch, i: number) => ret(b, i) },
  },
  event: (b: ExecBatch, i: number): ExecEvent => {
    const [filename = '', ...argv] = b.args(i);
    const bytes = b.strings.subarray(b.argsOffset[i]!, b.argsOffset[i]! + b.argsLength[i]!);
    return {
      type: 'exec', ts: b.ts[i]!, pid: b.pid[i]!, ppid: b.ppid[i]!, uid: b.uid[i]!, gid: b.gid[i]!, comm: b.comm(i),
      filename, argv, truncated: truncated(b, i), pidns: b.pidns[i]!, cgroupId: b.cgroupId[i]!, ret: ret(b, i),
      ...(isUtf8(bytes) ? {} : { argsRaw: bytes.slice() }),
    };
  },
  open: (options: Readonly<Partial<ExecOptions>>, fn: string) => {
    const o = processOptions(options, fn, 4 << 20, ['failed', 'argv']);
    const failed = options?.failed ?? false;
    const argv = options?.argv ?? 'caller';
    checkBoolean(fn, 'failed', failed);
    checkOneOf(fn, 'argv', argv, ['caller', 'exec']);
    if (failed && argv === 'exec') invalidArgument(fn, "failed needs argv 'caller' (failures are seen at the syscall's return)");
    // without the syscall programs, every exec takes sched_process_exec's own path
    const configure = argv === 'exec' ? (object: BpfObject) => ['kw_exec_enter', 'kw_exec_exit'].forEach((p) => object.setAutoload(p, false)) : undefined;
    return processPlan('tracing exec events', 'exec', { ...o.filters, ...(failed ? { trace_failed: u32Bytes(1) } : {}) }, o, configure);
  },
  capture: processCapture,
  cli: {
    columns: [
      ...processColumns<ExecEvent>((e) => e.ts),
      { header: 'UID', width: 6, value: (e) => String(e.uid) },
      { header: 'RET', width: 4, value: (e) => String(e.ret) },
      { header: 'ARGS', width: 0, value: (e) => [e.filename, ...e.argv.slice(1)].map(quote).join(' ') + (e.truncated ? ' ...' : '') },
    ],
    // a failed exec names its errno too
    json: (e) => (e.ret === 0 ? e : { ...e, errno: errnoNames.get(-e.ret) ?? String(-e.ret) }),
  },
  doc: {
    summary: 'Every successful execve/execveat, live (tracepoint sched/sched_process_exec).',
    example: "execEvents({ pidns }).subscribe((e) => console.log(e.pid, e.filename, e.argv));",
  },
});
