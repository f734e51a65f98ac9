// Boot-relative kernel timestamps to wall-clock time: this machine's boot instant on the epoch clock
// (wall clock minus CLOCK_BOOTTIME, to the microsecond), or a replayed capture's.
import { bootEpochNs } from 'kwire';

let captureBootEpoch: bigint | undefined;

/** Times of a capture: its recording machine's boot time (epoch ns) instead of this machine's. */
export function useBootTime(epochNs: bigint): void {
  captureBootEpoch = epochNs;
}

function bootEpoch(): bigint {
  captureBootEpoch ??= bootEpochNs();
  return captureBootEpoch;
}

/** Nanoseconds since the epoch of a boot-time nanosecond timestamp. */
export function bootTimeToEpochNs(bootNs: bigint): bigint {
  return bootEpoch() + bootNs;
}

export function bootTimeToDate(bootNs: bigint): Date {
  return new Date(Number(bootTimeToEpochNs(bootNs) / 1_000_000n));
}

export function clockTime(bootNs: bigint): string {
  return bootTimeToDate(bootNs).toTimeString().slice(0, 8);
}
