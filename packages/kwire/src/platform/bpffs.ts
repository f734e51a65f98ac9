// A BPF filesystem root for pins: checked by its statfs magic, mounted when it is a plain directory.
import { execFileSync } from 'node:child_process';
import { statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KwireError } from '../errors.js';

/**
 * The statfs magic number of a BPF filesystem (BPF_FS_MAGIC in linux/magic.h).
 *
 * @example
 * statfsSync('/sys/fs/bpf').type === BPF_FS_MAGIC // true on a mounted bpffs
 */
export const BPF_FS_MAGIC = 0xcafe4a11;

function isMountPoint(path: string): boolean {
  const parent = dirname(path);
  if (parent === path) return true;
  return statSync(path).dev !== statSync(parent).dev;
}

/**
 * Makes sure `root` is a bpffs and returns its absolute path: a plain directory gets one mounted (when
 * `mount`); anything else — a missing path, a file, another filesystem's mount point — is refused.
 *
 * @example
 * const root = ensureBpffs('/sys/fs/bpf');
 * @throws KwireError ENOT_BPFFS when `root` is not a bpffs and none could (or may) be mounted there.
 */
export function ensureBpffs(root: string, mount = true): string {
  const path = resolve(root);
  let type: number;
  try {
    if (!statSync(path).isDirectory()) throw new KwireError('ENOT_BPFFS', `${path} is not a directory: cannot hold BPF pins`);
    type = statfsSync(path).type;
  } catch (cause) {
    if (cause instanceof KwireError) throw cause;
    throw new KwireError('ENOT_BPFFS', `${path} cannot hold BPF pins: ${(cause as Error).message}`, { cause });
  }
  if (type === BPF_FS_MAGIC) return path;
  if (isMountPoint(path)) {
    throw new KwireError('ENOT_BPFFS', `${path} is a mount point of another filesystem (statfs magic 0x${type.toString(16)}), not a bpffs`);
  }
  if (!mount) throw new KwireError('ENOT_BPFFS', `${path} is not a bpffs (statfs magic 0x${type.toString(16)}) and mounting was not allowed`);
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    const stderr = String((cause as { stderr?: Buffer }).stderr ?? '').trim();
    throw new KwireError('ENOT_BPFFS', `${path} is not a bpffs and mounting one there failed: ${stderr || (cause as Error).message}`, { cause });
  }
  if (statfsSync(path).type !== BPF_FS_MAGIC) throw new KwireError('ENOT_BPFFS', `mounted a bpffs at ${path} but it does not show there`);
  return path;
}
