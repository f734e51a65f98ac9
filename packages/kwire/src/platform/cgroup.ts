// The cgroup v2 filesystem as this process sees it: where it is mounted (none, inside `ip netns exec`,
// which remounts /sys for the new network namespace), and a private mount for the moment an attach
// needs a directory of it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KwireError } from '../errors.js';

/** The mount point of the cgroup v2 hierarchy's root in this mount namespace, or undefined when none is mounted. */
export function cgroup2Mount(): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
    const [before, after] = line.split(' - ');
    const fields = before?.split(' ') ?? [];
    if (after?.split(' ')[0] === 'cgroup2' && fields[3] === '/') return unescapeMountPath(fields[4]!);
  }
  return undefined;
}

const unescapeMountPath = (path: string): string => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * Runs `attach` with the root directory of a cgroup v2 filesystem mounted for the moment on a fresh,
 * empty temporary directory, then unmounts and removes it (an attachment holds the cgroup, not the mount).
 *
 * @throws KwireError EINVAL_ARGUMENT when no cgroup v2 filesystem can be mounted; what `attach` throws.
 */
export function withPrivateCgroup2<T>(fn: string, attach: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kwire-cgroup2-'));
  try {
    try {
      execFileSync('mount', ['-t', 'cgroup2', 'cgroup2', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (cause) {
      const stderr = String((cause as { stderr?: Buffer }).stderr ?? '').trim();
      throw new KwireError('EINVAL_ARGUMENT', `${fn}: attach.cgroup: no cgroup v2 filesystem is mounted here, and mounting one failed (${stderr || (cause as Error).message}); pass a cgroup v2 directory, or null for none`, { cause });
    }
    try {
      return attach(dir);
    } finally {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    }
  } finally {
    rmdirSync(dir);
  }
}
