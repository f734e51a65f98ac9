// Exit records (bpf/include/exit.h) as the exit-status store needs them: encoding one from a wait
// status learned in user space, and decoding one read from the store's map through the WASM decoder.
import { FrameDecoder } from './frames.js';
import { exitDecoder } from './exit-decoder.js';
import type { ExitEvent } from './exit-batch.js';
import { SourceId } from './sources.js';

export const EXIT_RECORD_SIZE = 72;
/** bpf/include/exit.h offsets (test/exit-layout.test.ts checks them against the BTF). */
export const ExitRecordOffsets = { start_time: 0, exit_time: 8, cgroup_id: 16, pidns_dev: 24, pid: 32, tid: 36, ppid: 40, status: 44, pidns: 48, flags: 52, comm: 56 } as const;

export interface ExitRecordFields {
  startTime: bigint;
  exitTime: bigint;
  cgroupId: bigint;
  pidnsDev: bigint;
  pid: number;
  tid: number;
  ppid: number;
  status: number;
  pidns: number;
  flags: number;
  comm: string;
}

export function encodeExitRecord(r: ExitRecordFields): Uint8Array {
  const out = new Uint8Array(EXIT_RECORD_SIZE);
  const v = new DataView(out.buffer);
  const o = ExitRecordOffsets;
  v.setBigUint64(o.start_time, r.startTime, true);
  v.setBigUint64(o.exit_time, r.exitTime, true);
  v.setBigUint64(o.cgroup_id, r.cgroupId, true);
  v.setBigUint64(o.pidns_dev, r.pidnsDev, true);
  v.setUint32(o.pid, r.pid, true);
  v.setUint32(o.tid, r.tid, true);
  v.setUint32(o.ppid, r.ppid, true);
  v.setUint32(o.status, r.status, true);
  v.setUint32(o.pidns, r.pidns, true);
  v.setUint32(o.flags, r.flags, true);
  out.set(new TextEncoder().encode(r.comm).subarray(0, 15), o.comm);
  return out;
}

let decoder: FrameDecoder<import('./exit-batch.js').ExitBatch> | undefined;

/** One record's bytes to an event, through the same WASM decoder as the live path. */
export function decodeExitRecord(bytes: Uint8Array): ExitEvent | undefined {
  decoder ??= new FrameDecoder(exitDecoder, 1);
  const framed = new Uint8Array(8 + ((bytes.length + 7) & ~7));
  const v = new DataView(framed.buffer);
  v.setUint32(0, bytes.length, true);
  v.setUint16(4, SourceId.exit, true);
  framed.set(bytes, 8);
  const { batches } = decoder.decode(framed);
  return batches[0]?.get(0);
}
