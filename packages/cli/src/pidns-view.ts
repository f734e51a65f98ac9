// --pidns: pids as the target pid namespace sees them, beside the host's. The records carry host pids
// only, so the namespace's own pid (the last NSpid of /proc/PID/status) is read when an event arrives,
// and remembered from the command's start and from exec events, for the exits of processes gone by then.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export class PidnsView {
  private readonly known = new Map<number, number>();

  constructor(private readonly inode: number) {
    for (const d of readdirSync('/proc')) if (/^\d+$/.test(d)) this.read(Number(d), true);
  }

  /** The pid of host pid `pid` in the namespace, or undefined when it is gone and was never seen. */
  nspid(pid: number, gone = false): number | undefined {
    // an event's process is in the namespace (the kernel filtered on it): its innermost NSpid is the one;
    // an exited process is still readable until its parent reaps it
    const n = this.known.get(pid) ?? this.read(pid, false);
    if (gone) this.known.delete(pid);
    return n;
  }

  private read(pid: number, check: boolean): number | undefined {
    try {
      if (check && readlinkSync(`/proc/${pid}/ns/pid`) !== `pid:[${this.inode}]`) return undefined;
      const line = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      const n = line === undefined ? undefined : Number(line.trim().split(/\s+/).at(-1));
      if (n !== undefined) this.known.set(pid, n);
      return n;
    } catch {
      return undefined; // gone, or not ours to read
    }
  }
}

/** A table column beside PID: the pid in the --pidns namespace ('-' when it could not be learned). */
export const nspidColumn = { header: 'NSPID', width: 7, value: (e: { nspid?: number }) => (e.nspid === undefined ? '-' : String(e.nspid)) };
