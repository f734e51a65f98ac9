// Exec records as columns (decoded by assembly/exec.ts) and as events. Strings stay bytes until read.
import type { Batch } from '../pipeline/batch.js';
import { cString, nulSeparated } from '../pipeline/batch.js';
import type { DecoderInstance } from '../pipeline/decoders.js';
import { execColumns, type ExecColumns } from '../generated/exec.js';

/** bpf/include/exec.h flags. */
export const ExecFlags = { argvTruncated: 0x1, filenameTruncated: 0x2, argvFault: 0x4 } as const;

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
}

const COMM_LEN = 16;

export class ExecBatch implements Batch<ExecEvent> {
  readonly length: number;
  readonly ts: BigUint64Array;
  readonly cgroupId: BigUint64Array;
  readonly pid: Uint32Array;
  readonly ppid: Uint32Array;
  readonly uid: Uint32Array;
  readonly gid: Uint32Array;
  readonly pidns: Uint32Array;
  readonly argc: Uint32Array;
  readonly flags: Uint32Array;
  /** Offset and length of each record's filename+argv bytes in `strings`. */
  readonly tailOffset: Uint32Array;
  readonly tailLength: Uint32Array;
  /** 16 bytes per record. */
  readonly commBytes: Uint8Array;
  readonly strings: Uint8Array;

  /** Columns generated from the exec layout (packages/kwire/src/generated/exec.ts). */
  constructor(c: ExecColumns) {
    this.length = c.length;
    this.ts = c.ts;
    this.cgroupId = c.cgroupId;
    this.pid = c.pid;
    this.ppid = c.ppid;
    this.uid = c.uid;
    this.gid = c.gid;
    this.pidns = c.pidns;
    this.argc = c.argc;
    this.flags = c.flags;
    this.tailOffset = c.argsOffset;
    this.tailLength = c.argsLength;
    this.commBytes = c.comm;
    this.strings = c.strings;
  }

  comm(i: number): string {
    return cString(this.commBytes, i * COMM_LEN, (i + 1) * COMM_LEN);
  }

  /** Filename followed by argv. */
  private tail(i: number): string[] {
    const start = this.tailOffset[i]!;
    return nulSeparated(this.strings, start, start + this.tailLength[i]!);
  }

  filename(i: number): string {
    const start = this.tailOffset[i]!;
    return cString(this.strings, start, start + this.tailLength[i]!);
  }

  argv(i: number): string[] {
    return this.tail(i).slice(1);
  }

  truncated(i: number): boolean {
    return (this.flags[i]! & (ExecFlags.argvTruncated | ExecFlags.filenameTruncated)) !== 0;
  }

  get(i: number): ExecEvent {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`index ${i} out of batch of ${this.length}`);
    const [filename = '', ...argv] = this.tail(i);
    return {
      type: 'exec',
      ts: this.ts[i]!,
      pid: this.pid[i]!,
      ppid: this.ppid[i]!,
      uid: this.uid[i]!,
      gid: this.gid[i]!,
      comm: this.comm(i),
      filename,
      argv,
      truncated: this.truncated(i),
      pidns: this.pidns[i]!,
      cgroupId: this.cgroupId[i]!,
    };
  }

  *[Symbol.iterator](): Iterator<ExecEvent> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Copies the decoder's columns for `n` records out of WASM memory. */
  static fromDecoder(d: DecoderInstance, n: number): ExecBatch {
    return new ExecBatch(execColumns(d, n));
  }
}
