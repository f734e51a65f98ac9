// --pidns and --netns take a namespace inode that is easy to mistype and is never refused (a namespace
// may appear later), so a command warns once, at its start, when no namespace of that inode exists now.
import { readdirSync, readlinkSync, statSync } from 'node:fs';

export type NamespaceType = 'pid' | 'net';

/** Whether a namespace of `type` with inode `inode` exists now: a process in it, or (net) one named by ip netns. */
export function namespaceExists(type: NamespaceType, inode: number): boolean {
  const link = `${type}:[${inode}]`;
  const places = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((pid) => `/proc/${pid}/ns/${type}`);
  if (type === 'net') places.push(...list('/run/netns').map((name) => `/run/netns/${name}`));
  for (const place of places) {
    try {
      if (readlinkSync(place) === link) return true;
    } catch {
      // a process that exited meanwhile, or one we may not look at; a bind-mounted netns is no link:
      if (place.startsWith('/run/netns/') && inodeOf(place) === inode) return true;
    }
  }
  return false;
}

/** Writes the warning to stderr when no such namespace exists (once: call it once per option). */
export function warnIfNoNamespace(command: string, option: string, type: NamespaceType, inode: number | undefined): void {
  if (inode === undefined || namespaceExists(type, inode)) return;
  process.stderr.write(`kwire ${command}: warning: ${option} ${inode}: no ${type} namespace has this inode now; waiting for one anyway (list them: lsns -t ${type})\n`);
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

const inodeOf = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};
