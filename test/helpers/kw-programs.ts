import { execFileSync } from 'node:child_process';

/** Ids of loaded BPF programs whose name starts with kw_. */
export function kwProgramIds(): number[] {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  return progs.filter((p) => p.name?.startsWith('kw_')).map((p) => p.id);
}
