// Whether live kernel tests can run here, and why not. Live tests skip with this reason, never pass.
import { existsSync, readdirSync } from 'node:fs';
import { missingTracingCapabilities } from 'kwire';
import { repoPath } from './repo.js';

function why(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  const missing = missingTracingCapabilities();
  if (missing.length > 0) return `this process lacks ${missing.join(' and ')} (run as root)`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  if (!existsSync(repoPath('bpf/.output/exec.bpf.o'))) return 'bpf/.output/exec.bpf.o is not built (run make build)';
  return undefined;
}

export const liveSkipReason = why();
export const canRunLive = liveSkipReason === undefined;

export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}
