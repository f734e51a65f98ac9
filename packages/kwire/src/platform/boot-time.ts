// The kernel's record clock: CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), which Node cannot read itself
// (process.hrtime is CLOCK_MONOTONIC, which stops while the machine is suspended).
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
