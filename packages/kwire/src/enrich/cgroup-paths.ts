// cgroup v2 paths and ids: a cgroup's id is the inode number of its directory in the cgroup2 mount
// (what bpf_get_current_cgroup_id() and the exec and exit records carry).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

let root: string | null | undefined;

/** Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid
 *  systems), from /proc/self/mountinfo; null when none is. */
export function cgroupV2Root(): string | null {
  if (root !== undefined) return root;
  try {
    const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' - ')[1]?.startsWith('cgroup2 '));
    root = line ? line.split(' ')[4]! : null;
  } catch {
    root = null;
  }
  return root;
}

/** The id of the cgroup at `path` (relative to the v2 root, as /proc/PID/cgroup writes it). */
export function cgroupIdOfPath(path: string, base = cgroupV2Root()): bigint | undefined {
  if (!base) return undefined;
  try {
    return statSync(join(base, path), { bigint: true }).ino;
  } catch {
    return undefined;
  }
}

/** Every cgroup under the v2 root, id → path (breadth first, at most `limit` of them). */
export function walkCgroups(limit: number, base = cgroupV2Root()): Map<bigint, string> {
  const out = new Map<bigint, string>();
  if (!base) return out;
  const queue = ['/'];
  while (queue.length > 0 && out.size < limit) {
    const path = queue.shift()!;
    const id = cgroupIdOfPath(path, base);
    if (id === undefined) continue;
    out.set(id, path);
    let entries;
    try {
      entries = readdirSync(join(base, path), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) if (e.isDirectory()) queue.push(path === '/' ? `/${e.name}` : `${path}/${e.name}`);
  }
  return out;
}
