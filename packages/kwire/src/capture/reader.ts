// Reads capture entries from bytes pushed in any pieces (a file being written, a pipe). Never throws on
// damage: a corrupt region is skipped up to the next valid entry and reported with its offset; a file
// that ends inside an entry is reported as truncated there. Throws only for a file that is not a
// capture at all and for a format version newer than this reader.
import { Decoder } from '@msgpack/msgpack';
import {
  CAPTURE_FORMAT,
  CAPTURE_VERSION,
  ENTRY_HEADER_SIZE,
  MAX_BODY,
  SYNC,
  type CaptureEntry,
} from './format.js';
import { crc32 } from './crc32.js';
import { KwireError } from '../errors.js';

export type CaptureIssue =
  /** Bytes that are not a valid entry, skipped. */
  | { kind: 'corrupt'; offset: number; length: number; reason: string }
  /** The input ends inside the entry starting at `offset`: everything before it was read. */
  | { kind: 'truncated'; offset: number; reason: string }
  /** A whole, valid chunk that cannot be decoded here (unknown source or layout, bad frames). */
  | { kind: 'skipped'; offset: number; reason: string };

/** One entry read from a capture, with where it is in the file. */
export interface ReadEntry {
  /** File offset of the entry's sync bytes. */
  offset: number;
  /** Bytes the entry takes in the file. */
  size: number;
  entry: CaptureEntry;
}

const decoder = new Decoder({ useBigInt64: true });
const KINDS = new Set(['header', 'chunk', 'trailer']);

/**
 * Reads capture entries from bytes pushed in any pieces (a file being written, a pipe). Damage never
 * throws: a corrupt region is skipped to the next valid entry and told to `onIssue` with its offset; an
 * input that ends inside an entry is reported as truncated.
 *
 * @example
 * const reader = new CaptureReader((issue) => console.warn(issue), 'host.kwcap');
 * const entries = [...reader.push(readFileSync('host.kwcap')), ...reader.end()];
 * @throws KwireError ECAPTURE_FORMAT (from push or end) for input that is not a capture, ECAPTURE_VERSION
 *   for a newer format version.
 */
export class CaptureReader {
  private buf = new Uint8Array(0);
  /** File offset of buf[0]. */
  private base = 0;
  private started = false;
  private corruptAt = -1;
  private corruptReason = '';

  /** A reader telling damage to `onIssue`; `name` names the input in messages. */
  constructor(private readonly onIssue: (issue: CaptureIssue) => void, private readonly name = 'input') {}

  /** Bytes consumed so far (entries read and corruption skipped). */
  get offset(): number {
    return this.base;
  }

  /**
   * Adds the next bytes of the input and returns the entries now whole.
   *
   * @throws KwireError ECAPTURE_FORMAT when the input does not start as a capture, ECAPTURE_VERSION for a
   *   header of a newer format version.
   */
  push(bytes: Uint8Array): ReadEntry[] {
    if (bytes.length === 0) return [];
    const merged = new Uint8Array(this.buf.length + bytes.length);
    merged.set(this.buf);
    merged.set(bytes, this.buf.length);
    this.buf = merged;
    return this.parse(false);
  }

  /**
   * The input ended: returns what is left; a partial entry is reported as truncated, anything else as
   * corruption.
   *
   * @throws KwireError ECAPTURE_FORMAT for an empty input or one that is not a capture.
   */
  end(): ReadEntry[] {
    if (this.base === 0 && this.buf.length === 0) throw new KwireError('ECAPTURE_FORMAT', `${this.name} is empty: not a kwire capture`);
    const out = this.parse(true);
    this.flushCorrupt();
    return out;
  }

  private parse(ended: boolean): ReadEntry[] {
    const out: ReadEntry[] = [];
    for (;;) {
      const buf = this.buf;
      if (!this.started) {
        const n = Math.min(buf.length, SYNC.length);
        for (let i = 0; i < n; i++) {
          if (buf[i] !== SYNC[i]) throw new KwireError('ECAPTURE_FORMAT', `${this.name} is not a kwire capture (it does not start with the capture signature)`);
        }
        if (n === SYNC.length) this.started = true;
      }
      if (buf.length < ENTRY_HEADER_SIZE || !isSync(buf, 0)) {
        if (buf.length >= SYNC.length && !isSync(buf, 0)) {
          this.resync(buf, 'bytes that are not an entry');
          continue;
        }
        if (ended && buf.length > 0) this.truncated('the entry header');
        return out;
      }
      const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      const length = view.getUint32(4, true);
      if (length > MAX_BODY) {
        this.resync(buf, `an impossible entry length (${length} bytes)`);
        continue;
      }
      const size = ENTRY_HEADER_SIZE + length;
      if (buf.length < size) {
        if (!ended) return out;
        // Cut short, or a wrong length: a valid entry further on means the latter.
        const next = nextValidEntry(buf, 1);
        if (next < 0) {
          this.truncated(`an entry of ${size} bytes`);
          return out;
        }
        this.skip(next, `an entry whose length (${length}) runs past the end of the file`);
        continue;
      }
      const body = buf.subarray(ENTRY_HEADER_SIZE, size);
      if (crc32(body) !== view.getUint32(8, true)) {
        this.resync(buf, 'a checksum mismatch');
        continue;
      }
      const entry = decodeBody(body);
      if (typeof entry === 'string') {
        this.resync(buf, entry);
        continue;
      }
      if (entry.t === 'header') checkHeader(entry, this.name);
      this.flushCorrupt();
      out.push({ offset: this.base, size, entry });
      this.drop(size);
    }
  }

  /** Skips from here to the next sync bytes (or to the end, keeping a possible partial sync). */
  private resync(buf: Uint8Array, reason: string): void {
    const next = indexOfSync(buf, 1);
    this.skip(next >= 0 ? next : buf.length, reason);
  }

  private skip(n: number, reason: string): void {
    if (this.corruptAt < 0) {
      this.corruptAt = this.base;
      this.corruptReason = reason;
    }
    this.drop(n);
  }

  private flushCorrupt(): void {
    if (this.corruptAt < 0) return;
    const length = this.base - this.corruptAt;
    this.onIssue({ kind: 'corrupt', offset: this.corruptAt, length, reason: `${length} bytes skipped at offset ${this.corruptAt}: ${this.corruptReason}` });
    this.corruptAt = -1;
  }

  private truncated(what: string): void {
    this.flushCorrupt();
    const at = this.base;
    this.onIssue({ kind: 'truncated', offset: at, reason: `${this.name} ends inside ${what} at offset ${at} (${this.buf.length} bytes left): read up to offset ${at}` });
    this.drop(this.buf.length);
  }

  private drop(n: number): void {
    this.buf = this.buf.subarray(n);
    this.base += n;
  }
}

function isSync(buf: Uint8Array, at: number): boolean {
  return buf[at] === SYNC[0] && buf[at + 1] === SYNC[1] && buf[at + 2] === SYNC[2] && buf[at + 3] === SYNC[3];
}

function indexOfSync(buf: Uint8Array, from: number): number {
  for (let at = buf.indexOf(SYNC[0]!, from); at >= 0; at = buf.indexOf(SYNC[0]!, at + 1)) {
    if (at + SYNC.length > buf.length) {
      // A partial sync at the end: keep it for the next push.
      if (buf.subarray(at).every((b, i) => b === SYNC[i])) return at;
      continue;
    }
    if (isSync(buf, at)) return at;
  }
  return -1;
}

/** Offset of the first whole, valid entry at or after `from`, or -1. */
function nextValidEntry(buf: Uint8Array, from: number): number {
  for (let at = indexOfSync(buf, from); at >= 0 && at + ENTRY_HEADER_SIZE <= buf.length; at = indexOfSync(buf, at + 1)) {
    const view = new DataView(buf.buffer, buf.byteOffset + at, ENTRY_HEADER_SIZE);
    const end = at + ENTRY_HEADER_SIZE + view.getUint32(4, true);
    if (end <= buf.length && crc32(buf.subarray(at + ENTRY_HEADER_SIZE, end)) === view.getUint32(8, true)) return at;
  }
  return -1;
}

/** The entry, or why it is not one. */
function decodeBody(body: Uint8Array): CaptureEntry | string {
  let value: unknown;
  try {
    value = decoder.decode(body);
  } catch (error) {
    return `a body that is not MessagePack (${(error as Error).message})`;
  }
  const t = (value as { t?: unknown } | null)?.t;
  if (typeof t !== 'string' || !KINDS.has(t)) return 'an entry of unknown kind';
  if (t === 'chunk') {
    const c = value as Record<string, unknown>;
    if (!(c.data instanceof Uint8Array) || typeof c.source !== 'string' || typeof c.id !== 'number' || typeof c.layout !== 'number' || typeof c.frames !== 'number') {
      return 'a chunk without its fields';
    }
  }
  return value as CaptureEntry;
}

function checkHeader(header: CaptureEntry & { t: 'header' }, name: string): void {
  if (header.format !== CAPTURE_FORMAT) throw new KwireError('ECAPTURE_FORMAT', `${name} is not a kwire capture (format '${String(header.format)}')`);
  if (typeof header.version !== 'number' || header.version > CAPTURE_VERSION) {
    throw new KwireError(
      'ECAPTURE_VERSION',
      `${name} is a capture in format version ${String(header.version)}, newer than this kwire reads (version ${CAPTURE_VERSION}): upgrade kwire to replay it`,
    );
  }
}
