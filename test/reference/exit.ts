// A reference encoder and hand-written decoders for exit records (bpf/include/exit.h), in plain
// TypeScript with DataView. For tests and as the benchmark baselines only: never on the hot path.
export interface ExitRecord {
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

export const EXIT_SIZE = 72;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeExit(r: ExitRecord): Uint8Array {
  const out = new Uint8Array(EXIT_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, r.startTime, true);
  v.setBigUint64(8, r.exitTime, true);
  v.setBigUint64(16, r.cgroupId, true);
  v.setBigUint64(24, r.pidnsDev, true);
  v.setUint32(32, r.pid, true);
  v.setUint32(36, r.tid, true);
  v.setUint32(40, r.ppid, true);
  v.setUint32(44, r.status, true);
  v.setUint32(48, r.pidns, true);
  v.setUint32(52, r.flags, true);
  out.set(utf8.encode(r.comm).subarray(0, 15), 56);
  return out;
}

/** The hand-written per-event decoder: one object per record, comm decoded eagerly. */
export function decodeExitJs(bytes: Uint8Array): ExitRecord | undefined {
  if (bytes.length !== EXIT_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let commEnd = 56;
  while (commEnd < 72 && bytes[commEnd] !== 0) commEnd++;
  return {
    startTime: v.getBigUint64(0, true),
    exitTime: v.getBigUint64(8, true),
    cgroupId: v.getBigUint64(16, true),
    pidnsDev: v.getBigUint64(24, true),
    pid: v.getUint32(32, true),
    tid: v.getUint32(36, true),
    ppid: v.getUint32(40, true),
    status: v.getUint32(44, true),
    pidns: v.getUint32(48, true),
    flags: v.getUint32(52, true),
    comm: fromUtf8.decode(bytes.subarray(56, commEnd)),
  };
}
