// Linux signal names as `kill -l` and strsignal(3)'s SIGABBREV give them: the numbers are the kernel's
// (a capture replayed on another OS still names Linux's signals), and where Linux has two names for a
// number (6: SIGABRT/SIGIOT, 29: SIGIO/SIGPOLL) the one kill -l prints.
const names = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR',
  'SIGSYS',
];

/** SIGRTMIN as glibc reports it (the kernel's 32 and 33 are glibc's own). */
const RTMIN = 34;
const RTMAX = 64;

/**
 * The name of Linux signal `n` as `kill -l` prints it ('SIGABRT', 'SIGRTMIN+2', 'SIGRTMAX'), or
 * undefined for a number that names no signal.
 *
 * @example
 * signalName(6) // 'SIGABRT'
 */
export function signalName(n: number): string | undefined {
  if (n >= 1 && n <= names.length) return names[n - 1];
  if (n < RTMIN || n > RTMAX || !Number.isInteger(n)) return undefined;
  if (n === RTMIN) return 'SIGRTMIN';
  if (n === RTMAX) return 'SIGRTMAX';
  return n - RTMIN <= (RTMAX - RTMIN) / 2 ? `SIGRTMIN+${n - RTMIN}` : `SIGRTMAX-${RTMAX - n}`;
}
