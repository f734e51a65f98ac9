// The kernel's record clock: CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), which Node cannot read itself
// (process.hrtime is CLOCK_MONOTONIC, which stops while the machine is suspended).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadAddon } from './native.js';

/**
 * CLOCK_BOOTTIME now, in nanoseconds: comparable with every kernel record's time.
 *
 * @example
 * const ageNs = bootTimeNs() - batch.ts[0]!;
 * @throws KwireError ENOT_BUILT when the addon is not built.
 */
export function bootTimeNs(): bigint {
  return loadAddon().bootTimeNs();
}

/**
 * The instant this machine booted, in nanoseconds since the epoch: the wall clock minus
 * CLOCK_BOOTTIME, to the microsecond (from /proc/uptime, to 10 ms, when the addon is not built).
 * A boot-time record time plus this is its wall-clock time.
 *
 * @example
 * const wallNs = bootEpochNs() + batch.ts[0]!;
 */
export function bootEpochNs(): bigint {
  const now = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  try {
    return now - bootTimeNs();
  } catch {
    const [s = '0', frac = '0'] = readFileSync('/proc/uptime', 'utf8').split(' ')[0]!.split('.');
    return now - (BigInt(s) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9)));
  }
}
