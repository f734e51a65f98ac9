// Two network namespaces joined by a veth pair, for live flow tests: kwt-<random>-a (10.X.Y.1,
// fd6b:7774:Y::1) and kwt-<random>-b (.2, ::2), loopback up in both, conntrack enabled and accounting
// (an nftables `ct state` rule makes the kernel track the namespace's connections). No interface or
// address ever exists outside the two namespaces. cleanup() deletes both (and with them the veth).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export interface NetnsPair {
  a: string;
  b: string;
  v4: { a: string; b: string };
  v6: { a: string; b: string };
  inode(ns: string): number;
  /** Runs a command in a namespace, returns stdout. */
  run(ns: string, cmd: string, args: string[], input?: string): string;
  /** Starts a command in a namespace. */
  start(ns: string, cmd: string, args: string[]): ChildProcess;
  cleanup(): void;
}

// Any `ct` expression makes the namespace's conntrack hooks register; the rules accept everything.
const nftRules = `table inet kwt {
  chain out {
    type filter hook output priority 0;
    ct state new,established,related accept
  }
  chain in {
    type filter hook input priority 0;
    ct state new,established,related accept
  }
}
`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A pair named `${prefix}-<random>-a` and `-b` (kwt by default; a test of issue N names its own, kwN). */
export function createNetnsPair(prefix = 'kwt'): NetnsPair {
  const id = randomBytes(3).toString('hex');
  const octet = 1 + (parseInt(id.slice(0, 2), 16) % 250);
  const a = `${prefix}-${id}-a`;
  const b = `${prefix}-${id}-b`;
  const pair: NetnsPair = {
    a,
    b,
    v4: { a: `10.231.${octet}.1`, b: `10.231.${octet}.2` },
    v6: { a: `fd6b:7774:${octet.toString(16)}::1`, b: `fd6b:7774:${octet.toString(16)}::2` },
    inode: (ns) => statSync(`/run/netns/${ns}`).ino,
    run: (ns, cmd, args, input) =>
      execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 }).toString(),
    start: (ns, cmd, args) => spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    cleanup: () => {
      for (const ns of [a, b]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* already gone */
        }
      }
    },
  };
  try {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    ip('-n', a, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth0', 'netns', b);
    for (const [ns, host] of [[a, 'a'], [b, 'b']] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${pair.v4[host]}/24`, 'dev', 'veth0');
      ip('-n', ns, '-6', 'addr', 'add', `${pair.v6[host]}/64`, 'dev', 'veth0', 'nodad');
      ip('-n', ns, 'link', 'set', 'veth0', 'up');
      pair.run(ns, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1']);
      pair.run(ns, 'nft', ['-f', '-'], nftRules);
    }
  } catch (error) {
    pair.cleanup();
    throw error;
  }
  return pair;
}

/** A conntrack entry with accounting, from `conntrack -L -o extended`. */
export interface ConntrackEntry {
  proto: string;
  orig: { src: string; dst: string; sport?: number; dport?: number; packets: number; bytes: number };
  reply: { src: string; dst: string; sport?: number; dport?: number; packets: number; bytes: number };
  mark: number;
}

export function conntrackList(pair: NetnsPair, ns: string): ConntrackEntry[] {
  let out: string;
  try {
    out = pair.run(ns, 'conntrack', ['-L', '-o', 'extended']);
  } catch (error) {
    out = String((error as { stdout?: Buffer }).stdout ?? '');
  }
  const entries: ConntrackEntry[] = [];
  for (const line of out.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const kv = fields.filter((f) => f.includes('=')).map((f) => f.split('=') as [string, string]);
    const dir = (from: number) => {
      const get = (k: string) => kv.slice(from).find(([key]) => key === k)?.[1];
      const sport = get('sport');
      const dport = get('dport');
      return {
        src: get('src')!,
        dst: get('dst')!,
        ...(sport ? { sport: Number(sport) } : {}),
        ...(dport ? { dport: Number(dport) } : {}),
        packets: Number(get('packets')),
        bytes: Number(get('bytes')),
      };
    };
    const second = kv.findIndex(([k], i) => k === 'src' && i > 0);
    if (second < 0) continue;
    entries.push({ proto: fields[2]!, orig: dir(0), reply: dir(second), mark: Number(kv.find(([k]) => k === 'mark')?.[1] ?? 0) });
  }
  return entries;
}
