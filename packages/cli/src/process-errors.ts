// The process sources' refusals of a filter option, in the command line's words (a usage error).
import { isKwireError } from 'kwire';
import { UsageError } from './usage-error.js';

/** Runs `open`; an EINVAL_ARGUMENT about cgroup (a directory that is not cgroup v2) becomes --cgroup's usage error. */
export function cliError<T>(open: () => T): T {
  try {
    return open();
  } catch (error) {
    const m = isKwireError(error, 'EINVAL_ARGUMENT') ? /^\w+\(\): cgroup: (.*)$/.exec(error.message) : null;
    if (m) throw new UsageError(`--cgroup: ${m[1]}`);
    throw error;
  }
}
