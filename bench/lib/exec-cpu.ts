// The CPU a tracer spends per exec event during a fork/exec storm: `kwire exec --json` against
// bpftrace printing the same fields from tracepoint:sched:sched_process_exec. Each tracer starts and
// settles (its start-up CPU is not counted), a first storm warms it up (kwire's JIT; bpftrace has
// none), then a bash loop runs `count` fork+execs of /bin/true under `perf stat -e task-clock -p
// TRACER` (every thread of the tracer, ns exact; /proc's utime and stime are ticks and miss short
// runs), with half a second more for the tracer to finish. That CPU is divided by the lines the tracer
// wrote to its stdout (a pipe, read by this process) meanwhile: the machine's other execs count for
// both tracers alike.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICK_NS = 1e9 / 100; // USER_HZ

/** utime + stime of the whole process, in ns (ticks: only to see that it is idle). */
function cpuNs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_NS; // fields 14 and 15 of proc(5)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the process used less than one tick of CPU over `quietMs` (start-up or draining done). */
async function settle(pid: number, child: ChildProcess, quietMs = 600, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = cpuNs(pid);
  for (;;) {
    await sleep(quietMs);
    if (child.exitCode !== null) throw new Error(`tracer exited early (status ${child.exitCode})`);
    const now = cpuNs(pid);
    if (now - last < TICK_NS) return;
    last = now;
    if (Date.now() > until) throw new Error('tracer never settled');
  }
}

export interface TracerCpu {
  events: number;
  cpuNs: number;
  /** CPU ms per 1000 events. */
  msPer1000: number;
}

/** Why perf or bpftrace cannot run here, or undefined. */
export function execCpuMissing(): string | undefined {
  if (spawnSync('perf', ['--version']).status !== 0) return 'perf is not installed (Debian: linux-perf)';
  if (spawnSync('bpftrace', ['--version']).status !== 0) return 'bpftrace is not installed (scripts/setup.sh installs the Debian package)';
  return undefined;
}

/** A storm of `count` fork+execs of /bin/true, then half a second; with `pid`, that process's
 *  task-clock (ns) over it. */
async function storm(count: number, pid?: number): Promise<number> {
  const loop = ['bash', '-c', `for ((i=0;i<${count};i++)); do /bin/true; done; sleep 0.5`];
  const args = pid === undefined ? loop : ['perf', 'stat', '-x', ',', '-e', 'task-clock', '-p', String(pid), '--', ...loop];
  const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (pid === undefined) return 0;
  const line = stderr.split('\n').find((l) => l.includes('task-clock'));
  if (status !== 0 || !line) throw new Error(`perf stat failed: ${stderr}`);
  return Number(line.split(',')[0]) * 1e6; // msec
}

async function measure(command: string, args: string[], count: number): Promise<TracerCpu> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
  });
  child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    await sleep(300);
    await settle(child.pid!, child);
    await storm(Math.ceil(count / 3));
    await settle(child.pid!, child);
    const before = lines;
    const used = await storm(count, child.pid!);
    const events = lines - before;
    child.kill('SIGINT');
    await exited;
    if (events === 0) throw new Error(`${command} delivered no events: ${stderr}`);
    return { events, cpuNs: used, msPer1000: used / 1e6 / (events / 1000) };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** `kwire exec --json` (to a pipe), with `extra` arguments. */
export function kwireExecCpu(repo: string, count: number, extra: string[] = []): Promise<TracerCpu> {
  return measure(process.execPath, [join(repo, 'packages/cli/dist/main.js'), 'exec', '--json', ...extra], count);
}

/** The bpftrace program printing kwire exec's JSON fields (argv: its first element only; bpftrace
 *  cannot loop over user memory in one printf). */
export const BPFTRACE_EXEC =
  'tracepoint:sched:sched_process_exec { printf("{\\"type\\":\\"exec\\",\\"ts\\":\\"%llu\\",\\"pid\\":%d,\\"ppid\\":%d,\\"uid\\":%d,\\"gid\\":%d,\\"comm\\":\\"%s\\",\\"filename\\":\\"%s\\",\\"argv\\":[\\"%s\\"],\\"pidns\\":%u,\\"cgroupId\\":\\"%llu\\"}\\n", ' +
  'nsecs, pid, curtask->real_parent->tgid, uid, gid, comm, str(args->filename), str(uptr(curtask->mm->arg_start)), curtask->nsproxy->pid_ns_for_children->ns.inum, cgroup); }';

/** bpftrace with BPFTRACE_EXEC. Its tracepoint needs tracefs, which these machines do not mount: it
 *  runs in a private mount namespace with tracefs mounted there (gone when it exits). */
export function bpftraceExecCpu(count: number): Promise<TracerCpu> {
  const script = `mount -t tracefs tracefs /sys/kernel/tracing && exec bpftrace -e '${BPFTRACE_EXEC}'`;
  return measure('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], count);
}
