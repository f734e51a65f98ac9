// The capture file format (version 1). A capture is a sequence of entries, each
//   4 bytes sync "KWcp" | u32 LE body length | u32 LE CRC-32 of the body | body (one MessagePack map)
// The sync bytes and checksum let a reader skip a corrupt entry and find the next one; the length
// lets it read while the file is still being written. Entries (the `t` field of the body):
//   header  — format, version, host, kernel release, boot time, sources and their layout versions
//   chunk   — raw frames of one source exactly as the addon produced them, with kernel times and losses
//   trailer — totals (optional: a capture cut short has none)
// Appending writes a new header, then chunks and a trailer: a file may hold several such sessions.
import { Encoder } from '@msgpack/msgpack';
import { crc32 } from './crc32.js';

/**
 * The `format` of every capture's header: what marks a file as a kwire capture.
 *
 * @example
 * const [first] = new CaptureReader(console.warn).push(readFileSync('host.kwcap'));
 * console.log(first?.entry.t === 'header' && first.entry.format === CAPTURE_FORMAT);
 */
export const CAPTURE_FORMAT = 'kwire-capture';
/**
 * The capture format version this kwire writes; replay refuses newer ones (ECAPTURE_VERSION).
 *
 * @example
 * console.log(`kwire captures, format version ${CAPTURE_VERSION}`);
 */
export const CAPTURE_VERSION = 1;
export const SYNC = Uint8Array.of(0x4b, 0x57, 0x63, 0x70); // "KWcp"
export const ENTRY_HEADER_SIZE = 12;
/** Larger bodies are impossible (a chunk holds at most a few MiB): such a length is corruption. */
export const MAX_BODY = 64 << 20;

export interface CaptureSourceInfo {
  name: string;
  id: number;
  layout: number;
}

export interface CaptureHeader {
  t: 'header';
  format: typeof CAPTURE_FORMAT;
  /** The capture format version (CAPTURE_VERSION). */
  version: number;
  /** The kwire that wrote it: its package version (absent in captures of kwire before 0.1.0's packaging). */
  kwireVersion?: string;
  host: string;
  /** uname -r of the recording machine. */
  kernel: string;
  /** Wall-clock time of boot, epoch nanoseconds: add it to a record's boot-time ns for wall-clock time. */
  bootTime: bigint;
  /** When recording started, epoch milliseconds. */
  started: number;
  sources: CaptureSourceInfo[];
}

export interface CaptureChunk {
  t: 'chunk';
  source: string;
  id: number;
  layout: number;
  /** Frames in `data`. */
  frames: number;
  /** Kernel (boot-time ns) timestamps of the first and last record. */
  first: bigint;
  last: bigint;
  /** Records lost since the previous chunk of this source (kernel side, shared ring). */
  lost: { kernel: number; ring: number };
  /** Frames back to back: u32 length | u16 source | u16 flags | payload, padded to 8 bytes. */
  data: Uint8Array;
}

export interface CaptureTrailer {
  t: 'trailer';
  chunks: number;
  records: number;
  /** Frame bytes recorded. */
  bytes: number;
  lost: { kernel: number; ring: number };
  /** When recording ended, epoch milliseconds. */
  ended: number;
}

export type CaptureEntry = CaptureHeader | CaptureChunk | CaptureTrailer;

const encoder = new Encoder({ useBigInt64: true });

/** One entry, framed. */
export function encodeEntry(entry: CaptureEntry): Uint8Array {
  const body = encoder.encode(entry);
  const out = new Uint8Array(ENTRY_HEADER_SIZE + body.length);
  out.set(SYNC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, body.length, true);
  view.setUint32(8, crc32(body), true);
  out.set(body, ENTRY_HEADER_SIZE);
  return out;
}
