// Reference encoder/decoder of the loadgen record (bpf/include/loadgen.h) in plain TypeScript: test
// fixtures and the benchmarks' JS baselines.
export interface LoadgenRecord {
  seq: bigint;
  ts: bigint;
  cpu: number;
  tag: number;
}

export const LOADGEN_SIZE = 104;

/** `pad` extra zero bytes after the record, as the perf transport delivers it (4). */
export function encodeLoadgen(r: LoadgenRecord, pad = 0): Uint8Array {
  const out = new Uint8Array(LOADGEN_SIZE + pad);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, r.seq, true);
  v.setBigUint64(8, r.ts, true);
  v.setUint32(16, r.cpu, true);
  v.setUint32(20, r.tag, true);
  return out;
}

export function decodeLoadgenJs(bytes: Uint8Array): LoadgenRecord | undefined {
  if (bytes.length < LOADGEN_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { seq: v.getBigUint64(0, true), ts: v.getBigUint64(8, true), cpu: v.getUint32(16, true), tag: v.getUint32(20, true) };
}
