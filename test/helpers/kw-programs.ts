import { bpftoolList } from './bpftool.js';

/** Ids of loaded BPF programs whose name starts with kw_. */
export function kwProgramIds(): number[] {
  const progs = bpftoolList<{ id: number; name?: string }>('prog');
  return progs.filter((p) => p.name?.startsWith('kw_')).map((p) => p.id);
}
