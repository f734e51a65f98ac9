// What exec's syscall-entry program costs every other system call of the machine: exec reads the
// caller's argv at tp_btf/sys_enter (no fentry on this kernel), which runs for every syscall and returns
// at once unless it is execve/execveat. getppid() in a tight C loop, without and with execs() attached,
// alternating, medians of REPS rounds; the ratio is the result (other work on the machine moves both).
// Run: cd bench && pnpm exec tsx exec-syscall.bench.ts
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execs } from 'kwire';
import { median, quick, reps as REPS, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const CALLS = quick ? 500_000 : 2_000_000;
const bin = join('/tmp', `kw-syscalls-${process.pid}`);
execFileSync('cc', ['-O2', '-o', bin, join(import.meta.dirname, 'c', 'syscalls.c')]);
const round = () => Number(execFileSync(bin, [String(CALLS)], { encoding: 'utf8' }).trim());

const without: number[] = [];
const attached: number[] = [];
const execOnly: number[] = [];
const during = async (argv: 'caller' | 'exec', into: number[]) => {
  const sub = execs({ argv }).subscribe(() => {});
  await new Promise((resolve) => setTimeout(resolve, 300)); // attached within the subscribe; let it settle
  into.push(round());
  sub.unsubscribe();
};
for (let r = 0; r < REPS; r++) {
  without.push(round());
  await during('caller', attached);
  await during('exec', execOnly);
}
execFileSync('rm', ['-f', bin]);
const base = median(without);
const withExec = median(attached);
const withExecOnly = median(execOnly);
const md = [
  '### exec: the cost of its syscall-entry program to every system call',
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${REPS} alternating rounds of ${CALLS} getppid() calls. ${sharedNote} The ratio is what to compare.`,
  '',
  '| case | ns per syscall | vs without |',
  '|---|---:|---:|',
  `| without kwire | ${base.toFixed(1)} | 1.00× |`,
  `| execs() attached, argv 'caller' (default: tp_btf/sys_enter + sys_exit) | ${withExec.toFixed(1)} | ${(withExec / base).toFixed(2)}× |`,
  `| execs({ argv: 'exec' }) attached (sched_process_exec only) | ${withExecOnly.toFixed(1)} | ${(withExecOnly / base).toFixed(2)}× |`,
  '',
  `Added per syscall by argv 'caller': ${(withExec - base).toFixed(1)} ns: enabling any syscall tracepoint sends every syscall of every task through the kernel's slow path, as libbpf-tools' execsnoop (syscalls:sys_enter_execve) does too. Rounds without: ${without.map((x) => x.toFixed(1)).join(', ')}; caller: ${attached.map((x) => x.toFixed(1)).join(', ')}; exec: ${execOnly.map((x) => x.toFixed(1)).join(', ')}.`,
].join('\n');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'exec-syscall.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), reps: REPS, calls: CALLS, without, caller: attached, exec: execOnly }, null, 2) + '\n');
writeFileSync(join(resultsDir, 'exec-syscall.md'), md + '\n');
console.log(md);
