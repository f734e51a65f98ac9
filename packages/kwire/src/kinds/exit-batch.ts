// Exit records as columns (decoded by assembly/generated/exit.ts) and as events.
import type { Batch } from '../pipeline/batch.js';
import { cString } from '../pipeline/batch.js';
import type { DecoderInstance } from '../pipeline/decoders.js';
import { exitColumns, type ExitColumns } from '../generated/exit.js';
import { decodeWaitStatus } from './wait-status.js';

/** bpf/include/exit.h flags. */
export const ExitFlags = { groupDead: 0x1 } as const;

export interface ExitEvent {
  type: 'exit';
  /** Thread-group id (the process), in the initial pid namespace. */
  pid: number;
  /** The exiting thread. */
  tid: number;
  ppid: number;
  /** WEXITSTATUS when the process exited normally, else 0. */
  exitCode: number;
  /** The terminating signal when a signal killed it, else 0. */
  signal: number;
  /** The terminating signal dumped core. */
  coreDump: boolean;
  /** The raw wait(2) status word. */
  status: number;
  /** Boot-time ns the process started. */
  startTime: bigint;
  /** Boot-time ns of the exit. */
  exitTime: bigint;
  comm: string;
  /** Inode of the process's pid namespace. */
  pidns: number;
  /** Device of nsfs (st_dev of /proc/self/ns/pid); with pidns it names the namespace. */
  pidnsDev: bigint;
  cgroupId: bigint;
}

const COMM_LEN = 16;

export class ExitBatch implements Batch<ExitEvent> {
  readonly length: number;
  readonly startTime: BigUint64Array;
  readonly exitTime: BigUint64Array;
  readonly cgroupId: BigUint64Array;
  readonly pidnsDev: BigUint64Array;
  readonly pid: Uint32Array;
  readonly tid: Uint32Array;
  readonly ppid: Uint32Array;
  /** Raw wait(2) status words. */
  readonly status: Uint32Array;
  readonly pidns: Uint32Array;
  readonly flags: Uint32Array;
  /** 16 bytes per record. */
  readonly commBytes: Uint8Array;

  /** Columns generated from the exit layout (packages/kwire/src/generated/exit.ts). */
  constructor(c: ExitColumns) {
    this.length = c.length;
    this.startTime = c.startTime;
    this.exitTime = c.exitTime;
    this.cgroupId = c.cgroupId;
    this.pidnsDev = c.pidnsDev;
    this.pid = c.pid;
    this.tid = c.tid;
    this.ppid = c.ppid;
    this.status = c.status;
    this.pidns = c.pidns;
    this.flags = c.flags;
    this.commBytes = c.comm;
  }

  comm(i: number): string {
    return cString(this.commBytes, i * COMM_LEN, (i + 1) * COMM_LEN);
  }

  get(i: number): ExitEvent {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`index ${i} out of batch of ${this.length}`);
    const status = this.status[i]!;
    const { exitCode, signal, coreDump } = decodeWaitStatus(status);
    return {
      type: 'exit',
      pid: this.pid[i]!,
      tid: this.tid[i]!,
      ppid: this.ppid[i]!,
      exitCode,
      signal,
      coreDump,
      status,
      startTime: this.startTime[i]!,
      exitTime: this.exitTime[i]!,
      comm: this.comm(i),
      pidns: this.pidns[i]!,
      pidnsDev: this.pidnsDev[i]!,
      cgroupId: this.cgroupId[i]!,
    };
  }

  *[Symbol.iterator](): Iterator<ExitEvent> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Copies the decoder's columns for `n` records out of WASM memory. */
  static fromDecoder(d: DecoderInstance, n: number): ExitBatch {
    return new ExitBatch(exitColumns(d, n));
  }
}
