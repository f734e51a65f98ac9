// Writing events: JSON lines (bigints as decimal strings) or aligned text columns.
import { writeSync } from 'node:fs';
import type { SourceStats } from 'kwire';

const bigintAsString = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/** One JSON line: 64-bit values as decimal strings. Top-level bigints are turned into strings first and
 *  JSON.stringify runs without a replacer (a replacer call per key costs a third of the time); an event
 *  with a bigint deeper down takes the replacer. */
export function jsonLine(event: object): string {
  const flat: Record<string, unknown> = {};
  for (const key in event) {
    const value = (event as Record<string, unknown>)[key];
    flat[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  try {
    return JSON.stringify(flat);
  } catch {
    return JSON.stringify(event, bigintAsString);
  }
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
  return columns.map((c, i) => (i === columns.length - 1 ? c.value(event) : c.value(event).padEnd(c.width))).join(' ');
}

/** The reader of our output went away (| head): the command stops quietly, as cat does. */
export class OutputClosed extends Error {
  override name = 'OutputClosed';
}

/** True for an error that means "stop, nothing went wrong": the reader of stdout is gone. */
export const isOutputClosed = (error: unknown): boolean => error instanceof OutputClosed || (error as { code?: string })?.code === 'EPIPE';

/** Writes synchronously so output is never lost when the process exits right after. */
export function writeOut(data: string | Uint8Array): void {
  try {
    if (typeof data === 'string') writeSync(1, data);
    else for (let at = 0; at < data.length; ) at += writeSync(1, data, at);
  } catch (error) {
    // Thrown to the command, which unsubscribes (detaching what it attached) and exits 0.
    if ((error as { code?: string }).code === 'EPIPE') throw new OutputClosed('stdout closed', { cause: error });
    throw error;
  }
}

export function formatStats(source: string, stats: SourceStats): string {
  const errors = Object.entries(stats.decodeErrors).map(([k, v]) => `${k}=${v}`).join(',') || '0';
  const transport = stats.transport === undefined ? '' : ` transport=${stats.transport}`;
  return `${source}: received=${stats.received} batches=${stats.batches} lost.kernel=${stats.lost.kernel} lost.ring=${stats.lost.ring} decodeErrors=${errors} queueLength=${stats.queueLength} ringFullWaits=${stats.ringFullWaits}${transport}\n`;
}
