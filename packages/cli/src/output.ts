// Writing events: JSON lines (bigints as decimal strings) or aligned text columns.
import { writeSync } from 'node:fs';
import type { SourceStats } from 'kwire';

const bigintAsString = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? escapeBytes(value) : value);

/** `"key":` per key seen (bounded: a kind has few keys). */
const keyTexts = new Map<string, string>();

/** One JSON line: 64-bit values as decimal strings, Uint8Arrays as escapeBytes text; the same text as
 *  JSON.stringify with those conversions. Built key by key without a copy of the event (this runs for
 *  every line `kwire exec --json` writes: CPU per event is one of issue 16's measures). */
export function jsonLine(event: object): string {
  let out = '{';
  for (const key in event) {
    const value = (event as Record<string, unknown>)[key];
    let text: string;
    switch (typeof value) {
      case 'string':
        text = JSON.stringify(value);
        break;
      case 'number':
        text = Number.isFinite(value) ? String(value) : 'null';
        break;
      case 'bigint':
        text = `"${value}"`;
        break;
      case 'boolean':
        text = value ? 'true' : 'false';
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        continue; // as JSON.stringify: the key is left out
      default:
        text = value === null ? 'null' : value instanceof Uint8Array ? JSON.stringify(escapeBytes(value)) : nestedJson(value as object);
    }
    let keyText = keyTexts.get(key);
    if (keyText === undefined) {
      keyText = `${JSON.stringify(key)}:`;
      if (keyTexts.size < 4096) keyTexts.set(key, keyText);
    }
    out += out.length === 1 ? keyText + text : `,${keyText}${text}`;
  }
  return `${out}}`;
}

/** A nested value: without a replacer unless it holds a bigint (a replacer call per key costs a third). */
function nestedJson(value: object): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return JSON.stringify(value, bigintAsString) ?? 'null';
  }
}

/** Bytes as text that gives them back exactly: printable ASCII as itself, a backslash as \\, any other
 *  byte as \xHH (the escape form of raw fields in JSON; MessagePack writes the bytes themselves). */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** A table cell with its control characters (C0, DEL, C1) as \xHH, so that no byte of an event can
 *  drive the terminal (an escape sequence in an argv, a carriage return in a comm). */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export interface Column<E> {
  header: string;
  width: number;
  value(event: E): string;
}

export function tableHeader<E>(columns: readonly Column<E>[]): string {
  return columns.map((c) => c.header.padEnd(c.width)).join(' ').trimEnd();
}

export function tableRow<E>(columns: readonly Column<E>[], event: E): string {
  return columns.map((c, i) => (i === columns.length - 1 ? escapeControls(c.value(event)) : escapeControls(c.value(event)).padEnd(c.width))).join(' ');
}

/** The reader of our output went away (| head): the command stops quietly, as cat does. */
export class OutputClosed extends Error {
  override name = 'OutputClosed';
}

/** True for an error that means "stop, nothing went wrong": the reader of stdout is gone. */
export const isOutputClosed = (error: unknown): boolean => error instanceof OutputClosed || (error as { code?: string })?.code === 'EPIPE';

/** Something to Atomics.wait on: a synchronous millisecond's sleep. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Where writeOut writes: stdout (fd 1), or the -o file (output-file.ts). */
let target: { fd: number; wrote(bytes: number): void } = { fd: 1, wrote: () => {} };

/** Sends writeOut's output to another fd (the -o file), told of every write's size. */
export function setOutputTarget(next: { fd: number; wrote(bytes: number): void }): void {
  target = next;
}

/** Where writeOut encodes text: reused (a fresh Buffer per batch of lines cost a malloc and its page
 *  faults every write), grown to the largest text's worst case, up to SCRATCH_MAX. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
const SCRATCH_MAX = 16 << 20;

function encodeText(text: string): Uint8Array {
  const worst = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
  if (worst > SCRATCH_MAX) return Buffer.from(text);
  if (worst > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(worst, scratch.length * 2)));
  return scratch.subarray(0, scratch.write(text, 0, 'utf8'));
}

/** Writes synchronously so output is never lost when the process exits right after. */
export function writeOut(data: string | Uint8Array): void {
  try {
    const bytes = typeof data === 'string' ? encodeText(data) : data;
    const fd = target.fd;
    for (let at = 0; at < bytes.length; ) {
      try {
        at += writeSync(fd, bytes, at);
      } catch (error) {
        // a non-blocking pipe that is full (the reader set O_NONBLOCK, as spawnSync's pipes are): wait for it
        if ((error as { code?: string }).code !== 'EAGAIN') throw error;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
    target.wrote(bytes.length);
  } catch (error) {
    // Thrown to the command, which unsubscribes (detaching what it attached) and exits 0.
    if ((error as { code?: string }).code === 'EPIPE') throw new OutputClosed('stdout closed', { cause: error });
    throw error;
  }
}

export function formatStats(source: string, stats: SourceStats): string {
  const errors = Object.entries(stats.decodeErrors).map(([k, v]) => `${k}=${v}`).join(',') || '0';
  const transport = stats.transport === undefined ? '' : ` transport=${stats.transport}`;
  const buffers = stats.lost.realTimeBuffers === undefined ? '' : ` lost.realTimeBuffers=${stats.lost.realTimeBuffers}`;
  return `${source}: received=${stats.received} batches=${stats.batches} lost.kernel=${stats.lost.kernel} lost.ring=${stats.lost.ring}${buffers} lost.undelivered=${stats.lost.undelivered ?? 0} decodeErrors=${errors} queueLength=${stats.queueLength} ringFullWaits=${stats.ringFullWaits}${transport}\n`;
}
