// The processes already running: one pass over /proc, read as processes() records (origin 'scan').
// Processes that end while being read are skipped.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { cgroupIdOfPath } from '../enrich/cgroup-paths.js';
import type { ProcessRecord } from './process-record.js';

const TICK_NS = 10_000_000n; // USER_HZ is 100 on Linux: /proc times are in 10 ms ticks

/**
 * The processes running now, from /proc: pid, ppid, comm, argv (cmdline), executable, uid, cgroup id,
 * start (boot-time ns, 10 ms resolution); `origin: 'scan'` and `preexisting: true`.
 *
 * @example
 * console.log(scanProcesses().filter((p) => p.comm === 'sshd').map((p) => p.pid));
 * @throws never: unreadable entries (a process gone meanwhile, a kernel thread) are skipped or read as far as they can be.
 */
export function scanProcesses(root = '/proc'): ProcessRecord[] {
  const out: ProcessRecord[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const record = readScannedProcess(root, Number(name));
    if (record) out.push(record);
  }
  return out;
}

/** One process of a /proc scan; undefined when it is gone. */
export function readScannedProcess(root: string, pid: number): ProcessRecord | undefined {
  const dir = `${root}/${pid}`;
  let stat: string;
  try {
    stat = readFileSync(`${dir}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const comm = stat.slice(open + 1, close);
  const fields = stat.slice(close + 2).split(' '); // fields[0] is stat's 3rd field (state)
  const ppid = /^\d+$/.test(fields[1] ?? '') ? Number(fields[1]) : 0;
  const startTicks = /^\d+$/.test(fields[19] ?? '') ? BigInt(fields[19]!) : 0n;
  const argv = tryRead(() => readFileSync(`${dir}/cmdline`, 'utf8').split('\0').filter((s, i, all) => s !== '' || i < all.length - 1)) ?? [];
  const filename = tryRead(() => readlinkSync(`${dir}/exe`)) ?? '';
  const uid = tryRead(() => statSync(dir).uid);
  const cgroupPath = tryRead(() => /^0::(.*)$/m.exec(readFileSync(`${dir}/cgroup`, 'utf8'))?.[1]);
  const cgroupId = (cgroupPath !== undefined ? cgroupIdOfPath(cgroupPath) : undefined) ?? 0n;
  return {
    pid, ppid, comm, filename, argv, ...(uid !== undefined ? { uid } : {}), cgroupId,
    start: startTicks * TICK_NS, startExact: true, execs: 0, origin: 'scan', preexisting: true,
  };
}

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
