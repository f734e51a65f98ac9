// The wait(2) status word (exit records and the exit-status store carry it raw), split as the libc
// macros do: WIFEXITED/WEXITSTATUS, WIFSIGNALED/WTERMSIG, WCOREDUMP.

/** A wait(2) status word split as the libc macros do. */
export interface WaitStatus {
  /** WEXITSTATUS when the process exited normally, else 0. */
  exitCode: number;
  /** WTERMSIG when a signal terminated the process, else 0. */
  signal: number;
  /** WCOREDUMP: the terminating signal dumped core. */
  coreDump: boolean;
}

/**
 * Splits a wait(2) status word as WIFEXITED/WEXITSTATUS, WIFSIGNALED/WTERMSIG and WCOREDUMP do (a
 * stopped child's word gives neither code nor signal).
 *
 * @example
 * decodeWaitStatus(0x8b) // { exitCode: 0, signal: 11, coreDump: true }
 */
export function decodeWaitStatus(status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { exitCode: (status >>> 8) & 0xff, signal: 0, coreDump: false };
  // 0x7f is a stopped (not terminated) child: never an exit status.
  return { exitCode: 0, signal: low === 0x7f ? 0 : low, coreDump: (status & 0x80) !== 0 };
}

/**
 * The status word of an exit with `exitCode`, or of death by `signal` (the inverse of decodeWaitStatus).
 *
 * @example
 * encodeWaitStatus({ exitCode: 3 }) // 0x300
 */
export function encodeWaitStatus(exit: { exitCode?: number; signal?: number; coreDump?: boolean }): number {
  const { exitCode = 0, signal = 0, coreDump = false } = exit;
  if (signal) return (signal & 0x7f) | (coreDump ? 0x80 : 0);
  return (exitCode & 0xff) << 8;
}
