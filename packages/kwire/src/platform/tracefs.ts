// tracefs for libbpf's `tp/` (and `tracepoint/`) programs: libbpf reads a tracepoint's id from
// /sys/kernel/debug/tracing when that exists, else from /sys/kernel/tracing. Where neither holds a
// tracefs (as on machines that mount neither), kwire mounts one at /sys/kernel/tracing for the
// attachment, only into an empty directory, and unmounts it right after: what it mounted, nothing else.
// (tp_btf/ programs, which kwire's own use, need no tracefs.)
import { existsSync, readdirSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { KwireError } from '../errors.js';
import { loadAddon } from './native.js';

/**
 * The statfs magic number of tracefs (TRACEFS_MAGIC in linux/magic.h).
 *
 * @example
 * statfsSync('/sys/kernel/tracing').type === TRACEFS_MAGIC // true where tracefs is mounted
 */
export const TRACEFS_MAGIC = 0x74726163;

/** Where libbpf looks for tracefs, in its order (tests point them elsewhere). */
export interface TracefsPaths {
  debugfsTracing: string;
  tracefs: string;
}
const LIBBPF_PATHS: TracefsPaths = { debugfsTracing: '/sys/kernel/debug/tracing', tracefs: '/sys/kernel/tracing' };

/** Whether a program of section `section` has libbpf read tracefs to attach. */
export const needsTracefs = (section: string): boolean => /^(tp|tracepoint)\//.test(section);

const isMountPoint = (path: string): boolean => statSync(path).dev !== statSync(dirname(path)).dev;

/**
 * Runs `attach` where libbpf finds tracefs: as things are when it is there, else with a tracefs
 * mounted at /sys/kernel/tracing for the call (an empty directory only), unmounted after it.
 *
 * @example
 * withTracefs('tracing getppid', () => object.attach());
 * @throws KwireError ENO_TRACEFS when tracefs is missing and cannot be mounted, naming the way out.
 */
export function withTracefs<T>(what: string, attach: () => T, paths: TracefsPaths = LIBBPF_PATHS): T {
  const { debugfsTracing, tracefs } = paths;
  if (existsSync(debugfsTracing)) return attach(); // libbpf reads it there (debugfs mounts tracefs there)
  const refuse = (why: string, cause?: unknown): never => {
    const wayOut = `mount it (mount -t tracefs tracefs ${tracefs}), or declare the program SEC("tp_btf/<event>"), which needs no tracefs`;
    throw new KwireError('ENO_TRACEFS', `${what}: a tp/ program needs tracefs, which is not mounted, and ${why}: ${wayOut}`, cause === undefined ? {} : { cause });
  };
  try {
    if (statfsSync(tracefs).type === TRACEFS_MAGIC) return attach();
  } catch (cause) {
    refuse(`${tracefs} cannot hold it (${(cause as Error).message})`, cause);
  }
  if (!statSync(tracefs).isDirectory()) refuse(`${tracefs} is not a directory`);
  if (isMountPoint(tracefs)) refuse(`${tracefs} is a mount point of another filesystem`);
  if (readdirSync(tracefs).length > 0) refuse(`${tracefs} is not empty (kwire mounts only over an empty directory)`);
  const addon = loadAddon();
  try {
    addon.mount('tracefs', tracefs); // mount(2) itself: no `mount` binary needed on PATH
  } catch (cause) {
    refuse(`mounting it at ${tracefs} failed (${(cause as Error).message})`, cause);
  }
  try {
    return attach(); // the links hold the tracepoints by id: tracefs is not needed after this
  } finally {
    unmountOurs(addon, tracefs);
  }
}

function unmountOurs(addon: ReturnType<typeof loadAddon>, tracefs: string): void {
  try {
    if (statfsSync(tracefs).type !== TRACEFS_MAGIC) return; // already unmounted by someone else
    try {
      addon.unmount(tracefs);
    } catch {
      addon.unmount(tracefs, true); // busy: detached now, gone when idle
    }
  } catch {
    // Nothing of ours is left to unmount.
  }
}
