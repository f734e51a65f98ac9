// Boot-relative kernel timestamps to wall-clock time, from /proc/uptime (10 ms resolution: enough
// for a human-readable column; JSON keeps the raw boot-time nanoseconds).
import { readFileSync } from 'node:fs';

let bootEpochMs: number | undefined;

/** Times of a capture: its recording machine's boot time (epoch ns) instead of this machine's. */
export function useBootTime(bootEpochNs: bigint): void {
  bootEpochMs = Number(bootEpochNs / 1_000_000n);
}

export function bootTimeToDate(bootNs: bigint): Date {
  if (bootEpochMs === undefined) {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    bootEpochMs = Date.now() - uptime * 1000;
  }
  return new Date(bootEpochMs + Number(bootNs / 1_000_000n));
}

export function clockTime(bootNs: bigint): string {
  return bootTimeToDate(bootNs).toTimeString().slice(0, 8);
}
