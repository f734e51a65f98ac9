// What a live source may leave behind, measured from outside the library: fds, threads, BPF programs
// (by id, only those this process or a given child held), RSS after a full GC, and live WebAssembly
// memories.
import { bpftoolList } from './bpftool.js';
import { readdirSync, readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--expose-gc');
/** A full GC, without starting node with --expose-gc (the flag applies to contexts created after it). */
const gc = runInNewContext('gc') as () => void;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function fdCount(pid: number | 'self' = 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Threads of this process (the addon's poll threads among them). */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/** Ids of the BPF programs a process holds an fd of (program fds and link fds both name one). */
export function heldProgramIds(pid: number | 'self' = 'self'): number[] {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const m = /^prog_id:\s+(\d+)$/m.exec(info);
    if (m) ids.add(Number(m[1]));
  }
  return [...ids].sort((a, b) => a - b);
}

/** Of `ids`, those still loaded in the kernel. */
export function stillLoaded(ids: Iterable<number>): number[] {
  const loaded = new Set(bpftoolList<{ id: number }>('prog').map((p) => p.id));
  return [...ids].filter((id) => loaded.has(id));
}

/** Waits until none of `ids` is loaded: the kernel frees a program after an RCU grace period once its
 *  last reference (fd, link, attachment) is gone. Returns those still loaded when giving up. */
export async function programsFreed(ids: Iterable<number>, ms = 10_000): Promise<number[]> {
  let left = stillLoaded(ids);
  for (const end = Date.now() + ms; left.length > 0 && Date.now() < end; left = stillLoaded(left)) await sleep(50);
  return left;
}

/** Live WebAssembly memories. On x86-64 V8 reserves 10 GiB of address space for each (a 2 GiB guard,
 *  then the memory, then guard pages up to 8 GiB) and makes the pages in use readable and writable: so
 *  each memory is one rw mapping with a PROT_NONE reservation of at least 1 GiB on both sides. */
export function wasmMemoryCount(): number {
  const maps = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]! }));
  const guard = (m: (typeof maps)[number] | undefined) => m !== undefined && m.perms === '---p' && m.end - m.start >= 2 ** 30;
  let n = 0;
  for (let i = 1; i + 1 < maps.length; i++) {
    const [before, m, after] = [maps[i - 1], maps[i]!, maps[i + 1]];
    if (m.perms === 'rw-p' && guard(before) && before!.end === m.start && guard(after) && after!.start === m.end) n++;
  }
  return n;
}

/** Resident set in MiB after full GCs (and a turn of the event loop for finalizers queued by them). */
export async function rssAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(10);
  }
  return (Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * 4096) / 2 ** 20;
}

/** Polls `get` (after a GC each time) until it returns `want`; returns the last value. Native wake-ups
 *  and thread-safe functions are released on a later turn of the loop than unsubscribe(). */
export async function settlesTo(get: () => number, want: number, ms = 10_000): Promise<number> {
  let v = get();
  for (const end = Date.now() + ms; v !== want && Date.now() < end; v = get()) {
    gc();
    await sleep(20);
  }
  return v;
}
