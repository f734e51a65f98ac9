// The C baseline consumer (bench/c/consumer.c): built on first use with make, run as a child process.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'c');
let built = false;

export interface ConsumerResult {
  received: number;
  generated: number;
  dropped: number;
  lostPerf?: number;
  seconds: number;
  generatorSeconds?: number;
  rate: number;
  p50Us?: number;
  p99Us?: number;
  p999Us?: number;
}

/** `cpus`: run it under taskset -c (its generator thread still pins itself to CPU 0). */
export function runConsumer(args: string[], env: Record<string, string> = {}, cpus?: string): ConsumerResult {
  if (!built) {
    execFileSync('make', ['-s', '-C', dir], { stdio: 'inherit' });
    built = true;
  }
  const bin = join(dir, '.output', 'consumer');
  const [file, argv] = cpus === undefined ? [bin, args] : ['taskset', ['-c', cpus, bin, ...args]];
  const out = execFileSync(file, argv, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as ConsumerResult;
}
