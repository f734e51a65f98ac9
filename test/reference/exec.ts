// A reference encoder and a per-event decoder for exec records (bpf/include/exec.h), in plain
// TypeScript with DataView. For tests and as the benchmark baseline only: never on the hot path.
export interface ExecRecord {
  ts: bigint;
  cgroupId: bigint;
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  pidns: number;
  flags: number;
  comm: string;
  filename: string;
  argv: string[];
}

const HEAD = 64;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeExec(r: ExecRecord): Uint8Array {
  const tail = utf8.encode([r.filename, ...r.argv].map((s) => s + '\0').join(''));
  const out = new Uint8Array(HEAD + tail.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, r.ts, true);
  v.setBigUint64(8, r.cgroupId, true);
  v.setUint32(16, r.pid, true);
  v.setUint32(20, r.ppid, true);
  v.setUint32(24, r.uid, true);
  v.setUint32(28, r.gid, true);
  v.setUint32(32, r.pidns, true);
  v.setUint32(36, r.argv.length, true);
  v.setUint32(40, tail.length, true);
  v.setUint32(44, r.flags, true);
  out.set(utf8.encode(r.comm).subarray(0, 15), 48);
  out.set(tail, HEAD);
  return out;
}

/** The hand-written per-event decoder: one object per record, strings decoded eagerly. */
export function decodeExecJs(bytes: Uint8Array): ExecRecord | undefined {
  if (bytes.length < HEAD) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const size = v.getUint32(40, true);
  if (size > bytes.length - HEAD) return undefined;
  let commEnd = 48;
  while (commEnd < 64 && bytes[commEnd] !== 0) commEnd++;
  const strings = fromUtf8.decode(bytes.subarray(HEAD, HEAD + size)).split('\0');
  if (strings.at(-1) === '') strings.pop();
  return {
    ts: v.getBigUint64(0, true),
    cgroupId: v.getBigUint64(8, true),
    pid: v.getUint32(16, true),
    ppid: v.getUint32(20, true),
    uid: v.getUint32(24, true),
    gid: v.getUint32(28, true),
    pidns: v.getUint32(32, true),
    flags: v.getUint32(44, true),
    comm: fromUtf8.decode(bytes.subarray(48, commEnd)),
    filename: strings[0] ?? '',
    argv: strings.slice(1),
  };
}
