// Compiles a BPF C source the way bpf/Makefile does (CO-RE against bpf/.output/vmlinux.h, BTF kept).
import { execFileSync } from 'node:child_process';
import { repoPath } from './repo.js';

export function compileBpf(source: string, output: string, includes: string[] = [], defines: string[] = []): void {
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-Wall', ...defines.map((d) => `-D${d}`), '-I', repoPath('bpf/.output'), ...includes.flatMap((i) => ['-I', i]), '-c', source, '-o', output], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
