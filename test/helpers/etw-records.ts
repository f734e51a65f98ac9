// EVENT_RECORDs rebuilt from the events of .etl fixtures, as ProcessTrace hands them to a live
// session's callback, and the Linux build of the live frame builder (native/win/build/etw-frame-host)
// that turns them into ETW frames. For test/etw-frame-native.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath } from './repo.js';

/** One ring frame: its flags and payload (an ETW frame: the 56-byte header, then the user data). */
export interface RingFrame {
  flags: number;
  payload: Uint8Array;
}

/** The frames of a run of ring-format frames (u32 length | u16 source | u16 flags | payload, 8-aligned). */
export function ringFrames(bytes: Uint8Array, padded = true): RingFrame[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RingFrame[] = [];
  for (let p = 0; p + 8 <= bytes.length;) {
    const len = v.getUint32(p, true);
    out.push({ flags: v.getUint16(p + 6, true), payload: bytes.slice(p + 8, p + 8 + len) });
    p += padded ? (8 + len + 7) & ~7 : 8 + len;
  }
  return out;
}

/** Ring-format bytes of `frames` (8-byte padding), as FrameDecoder reads them. */
export function ringBytes(frames: readonly RingFrame[], source = 12): Uint8Array {
  const size = frames.reduce((n, f) => n + ((8 + f.payload.length + 7) & ~7), 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let p = 0;
  for (const f of frames) {
    v.setUint32(p, f.payload.length, true);
    v.setUint16(p + 4, source, true);
    v.setUint16(p + 6, f.flags, true);
    out.set(f.payload, p + 8);
    p += (8 + f.payload.length + 7) & ~7;
  }
  return out;
}

// EVENT_HEADER_FLAG_* (evntcons.h).
const EXTENDED_INFO = 0x0001;
const BIT32 = 0x0020;
const BIT64 = 0x0040;
const CLASSIC = 0x0100;
const PROCESSOR_INDEX = 0x0200;
/** Bytes of an EVENT_RECORD before its pointers (x64): EVENT_HEADER, ETW_BUFFER_CONTEXT, two counts. */
export const EVENT_RECORD_HEAD = 0x58;

/**
 * The EVENT_RECORD ProcessTrace delivers for the event an .etl frame holds, serialised as the host reads
 * it (u32 size, the 0x58-byte head, the user data). It carries only what a live consumer sees: the
 * provider or class GUID, the header's ids and FILETIME, the descriptor (Id 0 for classic events), the
 * header flags (classic, 32/64-bit, extended data), the processor and the user data. The frame's
 * normalised eventClass, hook id, header type, raw time and etwFlags are left for the builder to derive.
 */
export function eventRecordOf(frame: Uint8Array): Uint8Array {
  const f = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const etwFlags = f.getUint16(52, true);
  const udl = f.getUint16(54, true);
  const out = new Uint8Array(4 + EVENT_RECORD_HEAD + udl);
  const r = new DataView(out.buffer);
  r.setUint32(0, EVENT_RECORD_HEAD + udl, true);
  const h = 4;
  r.setUint16(h + 0x00, 0x50 + udl, true); // Size
  const classic = (etwFlags & 0x2) !== 0;
  const flags = (classic ? CLASSIC : 0) | ((etwFlags & 0x1) !== 0 ? BIT32 : BIT64) | ((etwFlags & 0x10) !== 0 ? EXTENDED_INFO : 0) | PROCESSOR_INDEX;
  r.setUint16(h + 0x04, flags, true);
  r.setUint32(h + 0x08, f.getUint32(36, true), true); // ThreadId
  r.setUint32(h + 0x0c, f.getUint32(32, true), true); // ProcessId
  r.setBigUint64(h + 0x10, f.getBigUint64(0, true), true); // TimeStamp: a FILETIME, as without RAW_TIMESTAMP
  out.set(frame.subarray(16, 32), h + 0x18); // ProviderId
  r.setUint16(h + 0x28, classic ? 0 : f.getUint16(42, true), true); // Descriptor.Id
  r.setUint8(h + 0x2a, f.getUint8(47)); // Version
  r.setUint8(h + 0x2c, f.getUint8(48)); // Level
  r.setUint8(h + 0x2d, f.getUint8(46)); // Opcode
  r.setUint16(h + 0x50, f.getUint16(50, true), true); // BufferContext.ProcessorIndex
  r.setUint16(h + 0x54, (etwFlags & 0x10) !== 0 ? 1 : 0, true); // ExtendedDataCount
  r.setUint16(h + 0x56, udl, true); // UserDataLength
  out.set(frame.subarray(56, 56 + udl), 4 + EVENT_RECORD_HEAD);
  return out;
}

/** The Linux build of the live frame builder (native/win/test/etw_frame_host.cc). */
export const frameHost = repoPath('native/win/build/etw-frame-host');

/** Why the host cannot run, or undefined when it can. */
export function frameHostMissing(): string | undefined {
  return existsSync(frameHost) ? undefined : `${frameHost} is not built (make win)`;
}

/** Runs the host over serialised EVENT_RECORDs: its frames (ring format, unpadded), or its failure. */
export function runFrameHost(records: readonly Uint8Array[] | Uint8Array, args: string[] = []): { status: number | null; stdout: Buffer; stderr: string } {
  const input = records instanceof Uint8Array ? records : Buffer.concat(records as Uint8Array[]);
  const run = spawnSync(frameHost, args, { input, maxBuffer: 1 << 30 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
}
