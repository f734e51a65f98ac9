// A BPF filesystem root for pins: checked by its statfs magic, mounted when it is a plain directory.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
 * Makes sure `root` is a bpffs and returns its absolute path: an empty plain directory gets one mounted
 * (when `mount`), marked as kwire's so that ExitStore.remove unmounts it once empty; anything else — a missing path,
 * a file, another filesystem's mount point, a directory that is not empty (a mount would hide its
 * files) — is refused.
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
  const entries = readdirSync(path);
  if (entries.length > 0) {
    throw new KwireError('ENOT_BPFFS', `${path} is not a bpffs and not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries[0]}): a bpffs mounted over it would hide them; mount one yourself (mount -t bpf bpf DIR) or pass an empty directory`);
  }
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    const stderr = String((cause as { stderr?: Buffer }).stderr ?? '').trim();
    throw new KwireError('ENOT_BPFFS', `${path} is not a bpffs and mounting one there failed: ${stderr || (cause as Error).message}`, { cause });
  }
  if (statfsSync(path).type !== BPF_FS_MAGIC) throw new KwireError('ENOT_BPFFS', `mounted a bpffs at ${path} but it does not show there`);
  mkdirSync(join(path, MOUNTED_BY_KWIRE)); // in the new fs: the mount and its mark go together
  return path;
}

/** A directory kwire makes at the top of a bpffs it mounted (bpffs refuses names with a dot). */
/** What every new bpffs holds (the kernel's bpf_preload iterators). */
const PRELOADED = ['maps.debug', 'progs.debug'];
const MOUNTED_BY_KWIRE = 'mounted_by_kwire';

/**
 * Unmounts the bpffs at `root` when kwire mounted it (ensureBpffs) and nothing but its mark is left in
 * it; a bpffs someone else mounted, or one that still holds pins, stays. True when it unmounted.
 *
 * @example
 * releaseBpffs('/sys/fs/bpf'); // after unpinning what kwire pinned there
 */
export function releaseBpffs(root: string): boolean {
  const path = resolve(root);
  const mark = join(path, MOUNTED_BY_KWIRE);
  try {
    if (statfsSync(path).type !== BPF_FS_MAGIC || !existsSync(mark)) return false;
    if (readdirSync(path).some((name) => name !== MOUNTED_BY_KWIRE && !PRELOADED.includes(name))) return false; // still holds pins
    rmdirSync(mark);
    execFileSync('umount', [path], { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch {
    return false; // busy (a process's cwd), or gone meanwhile: left as it is
  }
}
