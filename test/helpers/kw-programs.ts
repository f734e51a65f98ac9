import { readdirSync, readFileSync } from 'node:fs';
import { bpftoolList } from './bpftool.js';

/** Ids of loaded BPF programs whose name starts with kw_. */
export function kwProgramIds(): number[] {
  const progs = bpftoolList<{ id: number; name?: string }>('prog');
  return progs.filter((p) => p.name?.startsWith('kw_')).map((p) => p.id);
}

/**
 * Ids of the BPF programs process `pid` holds an fd of, from /proc/PID/fdinfo (`prog_id:`). Unlike a
 * machine-wide listing, it does not see what other tests (or other people on the machine) load.
 */
export function programIdsHeldBy(pid: number): number[] {
  const ids = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return [...ids];
}
