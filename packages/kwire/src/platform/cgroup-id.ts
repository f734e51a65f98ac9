// A cgroup v2 directory as the BPF side filters by it: its id (the directory's inode number on cgroup2)
// and its level below the root (bpf_get_current_ancestor_cgroup_id(level) of a task in its subtree).
import { realpathSync, statfsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { cgroup2Mount } from './cgroup.js';
import { invalidArgument } from '../validate.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** The id and level of cgroup v2 directory `path` (EINVAL_ARGUMENT naming `fn` when it is not one). */
export function cgroupTarget(fn: string, path: string): { id: bigint; level: number } {
  let real: string;
  try {
    real = realpathSync(path);
    if (statfsSync(real).type !== CGROUP2_SUPER_MAGIC) invalidArgument(fn, `cgroup: ${path} is not a cgroup v2 directory`);
  } catch (error) {
    if ((error as { code?: string }).code === 'EINVAL_ARGUMENT') throw error;
    return invalidArgument(fn, `cgroup: ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message}`, { cause: error });
  }
  const root = cgroup2Mount();
  const below = root === undefined ? undefined : relative(realpathSync(root), real);
  if (below === undefined || below.startsWith('..')) invalidArgument(fn, `cgroup: ${path} is not below the cgroup v2 root here (${root ?? 'none mounted'})`);
  return { id: BigInt(statSync(real, { bigint: true }).ino), level: below === '' ? 0 : below.split('/').length };
}
