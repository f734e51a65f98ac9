// bpftool's JSON listings of the machine's BPF objects. A listing walks ids and then asks for each
// one's info, so a program or link that goes away in between (another test's process exiting) makes
// bpftool fail: list again, a few times.
import { execFileSync } from 'node:child_process';

export function bpftoolList<T>(what: 'prog' | 'link' | 'map'): T[] {
  for (let attempt = 1; ; attempt++) {
    try {
      return JSON.parse(execFileSync('bpftool', ['-j', what, 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as T[];
    } catch (error) {
      if (attempt >= 5) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // 20 ms, synchronously
    }
  }
}
