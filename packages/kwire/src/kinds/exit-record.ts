// Exit records (bpf/include/exit.h) as the exit-status store needs them: encoding one from a wait
// status learned in user space, and decoding one read from the store's map through the WASM decoder.
import { FrameDecoder } from '../pipeline/frames.js';
import { exitDecoder, type ExitBatch, type ExitRow } from '../generated/exit.js';
import { exitKind, type ExitEvent } from './exit.js';

const exitLayout = exitKind.layout;

export const EXIT_RECORD_SIZE = exitLayout.size;

/** An exit record's fields (the generated row type of the exit layout). */
export type ExitRecordFields = ExitRow;

/** Byte offset of a field, from the declared layout (test/generated.test.ts checks it against the BTF). */
const at = (name: keyof ExitRow): number => exitLayout.fields.find((f) => f.name === name)!.offset;

export function encodeExitRecord(r: ExitRecordFields): Uint8Array {
  const out = new Uint8Array(EXIT_RECORD_SIZE);
  const v = new DataView(out.buffer);
  for (const name of ['startTime', 'exitTime', 'cgroupId', 'pidnsDev'] as const) v.setBigUint64(at(name), r[name], true);
  for (const name of ['pid', 'tid', 'ppid', 'status', 'pidns', 'flags'] as const) v.setUint32(at(name), r[name], true);
  out.set(new TextEncoder().encode(r.comm).subarray(0, 15), at('comm'));
  return out;
}

let decoder: FrameDecoder<ExitBatch> | undefined;

/** One record's bytes to an event, through the same WASM decoder as the live path. */
export function decodeExitRecord(bytes: Uint8Array): ExitEvent | undefined {
  decoder ??= new FrameDecoder(exitDecoder, 1);
  const framed = new Uint8Array(8 + ((bytes.length + 7) & ~7));
  const v = new DataView(framed.buffer);
  v.setUint32(0, bytes.length, true);
  v.setUint16(4, exitKind.sourceId, true);
  framed.set(bytes, 8);
  const { batches } = decoder.decode(framed);
  return batches[0]?.get(0);
}
