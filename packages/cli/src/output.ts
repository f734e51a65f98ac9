// Writing events: JSON lines (bigints as decimal strings) or aligned text columns.
import { writeSync } from 'node:fs';
import type { SourceStats } from 'kwire';

export function jsonLine(event: object): string {
  return JSON.stringify(event, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
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

/** Writes synchronously so output is never lost when the process exits right after. */
export function writeOut(data: string | Uint8Array): void {
  try {
    if (typeof data === 'string') writeSync(1, data);
    else for (let at = 0; at < data.length; ) at += writeSync(1, data, at);
  } catch (error) {
    // The reader went away (| head): stop quietly, as cat does; the kernel detaches what is attached.
    if ((error as { code?: string }).code === 'EPIPE') process.exit(0);
    throw error;
  }
}

export function formatStats(source: string, stats: SourceStats): string {
  const errors = Object.entries(stats.decodeErrors).map(([k, v]) => `${k}=${v}`).join(',') || '0';
  return `${source}: received=${stats.received} batches=${stats.batches} lost.kernel=${stats.lost.kernel} lost.ring=${stats.lost.ring} decodeErrors=${errors} queueLength=${stats.queueLength} ringFullWaits=${stats.ringFullWaits}\n`;
}
