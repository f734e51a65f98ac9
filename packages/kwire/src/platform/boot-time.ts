// The kernel's record clock: CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), which Node cannot read itself
// (process.hrtime is CLOCK_MONOTONIC, which stops while the machine is suspended).
import { loadAddon } from './native.js';

/** CLOCK_BOOTTIME now, in nanoseconds: comparable with every kernel record's time. */
export function bootTimeNs(): bigint {
  return loadAddon().bootTimeNs();
}
