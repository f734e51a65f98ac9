// Which process holds a socket: /proc/net/{tcp,tcp6,udp,udp6} give the socket's inode for a local
// address and port (of this network namespace), /proc/PID/fd links name the process holding it
// ("socket:[INODE]"), as ss -p and lsof do.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { formatIp } from '../platform/ip.js';

/** The process holding a socket. */
export interface SocketOwner {
  pid: number;
  comm: string;
  /** Its cgroup v2 path (/proc/PID/cgroup). */
  cgroupPath?: string;
  inode: number;
}

const tables: Record<number, string[]> = { 6: ['tcp', 'tcp6'], 17: ['udp', 'udp6'] };

/** /proc/net's address text (hex, each 32-bit word in host order) as an address string. */
function procAddress(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) {
    const word = parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    bytes[w * 4] = word & 0xff;
    bytes[w * 4 + 1] = (word >>> 8) & 0xff;
    bytes[w * 4 + 2] = (word >>> 16) & 0xff;
    bytes[w * 4 + 3] = word >>> 24;
  }
  return bytes.length === 4 ? formatIp(bytes, 0, 'ip4') : formatIp(bytes, 0, 'ip');
}

/** The inode of the socket bound to addr:port for this protocol (6 TCP, 17 UDP), or undefined. */
export function socketInode(proc: string, proto: number, addr: string, port: number): number | undefined {
  for (const table of tables[proto] ?? []) {
    let text: string;
    try {
      text = readFileSync(`${proc}/net/${table}`, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [a, p] = f[1]!.split(':');
      if (parseInt(p!, 16) !== port) continue;
      const local = procAddress(a!);
      const v4 = local.replace(/^::ffff:/, '');
      if (local === addr || v4 === addr || local === '0.0.0.0' || local === '::') {
        const inode = Number(f[9]);
        if (inode > 0) return inode;
      }
    }
  }
  return undefined;
}

/** The process with an fd on socket `inode`, by a walk of /proc/PID/fd. */
export function socketHolder(proc: string, inode: number): SocketOwner | undefined {
  const link = `socket:[${inode}]`;
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== link) continue;
      const read = (file: string) => {
        try {
          return readFileSync(`${proc}/${pid}/${file}`, 'utf8');
        } catch {
          return '';
        }
      };
      const cgroupPath = /^0::(.*)$/m.exec(read('cgroup'))?.[1];
      return { pid: Number(pid), comm: read('comm').trim(), inode, ...(cgroupPath !== undefined ? { cgroupPath } : {}) };
    }
  }
  return undefined;
}
