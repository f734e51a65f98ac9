// Writing a capture: a sink takes framed entries; fileSink writes each synchronously, so a reader
// following the file sees whole entries as soon as they exist.
import { bootEpochNs } from '../platform/boot-time.js';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { KwireError } from '../errors.js';
import { kwireVersion } from '../platform/artifacts.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION, SYNC, encodeEntry, type CaptureEntry, type CaptureHeader, type CaptureSourceInfo } from './format.js';

/** Where a capture's bytes go: {@link fileSink}, {@link memorySink} or your own. */
export interface CaptureSink {
  /** Writes the bytes of whole entries (synchronously, for a file). */
  write(bytes: Uint8Array): void;
  /** Closes the sink after the trailer. */
  close(): void;
}

/**
 * A capture file sink, written synchronously; `append` adds a new session at its end instead of
 * replacing it. `-` is stdout.
 *
 * @example
 * record({ exec: execRaw() }, fileSink('host.kwcap', { append: true })).subscribe();
 * @throws Node's own error (ENOENT, EACCES, …) when the file cannot be opened; KwireError
 *   ECAPTURE_FORMAT when appending to a non-empty file that is not a capture.
 */
export function fileSink(path: string, options: Readonly<{ append?: boolean }> = {}): CaptureSink {
  const fd = path === '-' ? 1 : openSync(path, options.append ? 'a+' : 'w');
  if (options.append && fd !== 1) refuseNonCapture(fd, path);
  return {
    write: (bytes) => {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    },
    close: () => {
      if (fd !== 1) closeSync(fd);
    },
  };
}

/** Appending to a file that is not empty and not a capture would hide a capture inside it. */
function refuseNonCapture(fd: number, path: string): void {
  const head = new Uint8Array(SYNC.length);
  const n = readSync(fd, head, 0, head.length, 0);
  if (n === 0 || (n === SYNC.length && head.every((b, i) => b === SYNC[i]))) return;
  closeSync(fd);
  throw new KwireError('ECAPTURE_FORMAT', `cannot append to ${path}: it is not a kwire capture (it does not start with the capture signature)`);
}

/**
 * An in-memory capture sink (tests, pipes); `bytes()` returns a copy of everything written.
 *
 * @example
 * const sink = memorySink(); record({ exec: execRaw() }, sink).subscribe({ complete: () => replay(sink.bytes()) });
 */
export function memorySink(): CaptureSink & {
  /** A copy of every byte written so far. */
  bytes(): Uint8Array;
} {
  const parts: Uint8Array[] = [];
  return {
    write: (bytes) => void parts.push(bytes.slice()),
    close: () => {},
    bytes: () => new Uint8Array(Buffer.concat(parts)), // a plain copy: Buffer.slice() would share
  };
}

export function writeEntry(sink: CaptureSink, entry: CaptureEntry): number {
  const bytes = encodeEntry(entry);
  sink.write(bytes);
  return bytes.length;
}

/** This machine's header. */
export function hostHeader(sources: CaptureSourceInfo[]): CaptureHeader {
  return { t: 'header', format: CAPTURE_FORMAT, version: CAPTURE_VERSION, kwireVersion, host: hostname(), kernel: release(), bootTime: bootTimeEpochNs(), started: Date.now(), sources };
}

/** Wall-clock time of boot in epoch ns (0 when it cannot be read). */
export function bootTimeEpochNs(): bigint {
  try {
    return bootEpochNs();
  } catch {
    return 0n;
  }
}
