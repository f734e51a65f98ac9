// After the whole suite: no kwire BPF program (name kw_*) may remain loaded.
import { execFileSync } from 'node:child_process';

function loadedKwirePrograms(): string[] {
  try {
    const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number; name?: string }[];
    return progs.filter((p) => p.name?.startsWith('kw_')).map((p) => `${p.name} (id ${p.id})`);
  } catch {
    return []; // no bpftool or no privilege: the live tests said why they skipped
  }
}

export function setup(): () => void {
  const before = loadedKwirePrograms();
  return () => {
    const after = loadedKwirePrograms().filter((p) => !before.includes(p));
    if (after.length > 0) throw new Error(`kwire BPF programs still loaded after the suite: ${after.join(', ')}`);
  };
}
