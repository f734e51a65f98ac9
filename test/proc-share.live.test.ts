// Live: subscribers share one proc connector socket. After one unsubscribes the other still gets
// events; the last unsubscribe closes the socket (and the reader's fds): the fd count returns to its
// baseline. A late subscriber asking for a scan gets the running processes, marked as such.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { procEvents, procs, type ProcEnrichedEvent } from 'kwire';
import { canRunProc, procSkipReason } from './helpers/proc-live.js';
import { openFdCount } from './helpers/live.js';
import { waitFor } from './helpers/run.js';

/** This process's netlink sockets: their inodes (from /proc/self/fd and /proc/self/net/netlink). */
function netlinkSockets(): Set<string> {
  const netlink = new Set(readFileLines('/proc/self/net/netlink').map((l) => l.trim().split(/\s+/).at(-1)!));
  const out = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m && netlink.has(m[1]!)) out.add(m[1]!);
    } catch {
      // the fd of readdir itself
    }
  }
  return out;
}
function readFileLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(1).filter(Boolean);
}

const exited = (seen: ProcEnrichedEvent[], pid: number) => seen.some((e) => e.type === 'proc-exit' && e.tgid === pid);

describe.skipIf(!canRunProc)(`proc connector sharing${canRunProc ? '' : ` (skipped: ${procSkipReason})`}`, () => {
  it('two subscribers, one socket; the other goes on when one leaves; the last closes it', async () => {
    const baseFds = openFdCount();
    const baseSockets = netlinkSockets();
    const a: ProcEnrichedEvent[] = [];
    const b: ProcEnrichedEvent[] = [];
    const subA = procEvents().subscribe((e) => a.push(e));
    const one = netlinkSockets();
    const fdsWithOne = openFdCount();
    const subB = procEvents({ events: ['exec', 'exit'] }).subscribe((e) => b.push(e));
    // the second subscriber opened nothing: the same socket (and the reader's dup of it)
    expect(netlinkSockets()).toEqual(one);
    expect(openFdCount()).toBe(fdsWithOne);
    expect(one.size).toBeGreaterThan(baseSockets.size);

    const first = spawn('true', [], { stdio: 'ignore' });
    await waitFor('both see the first exit', () => exited(a, first.pid!) && exited(b, first.pid!));
    subA.unsubscribe();
    const second = spawn('true', [], { stdio: 'ignore' });
    await waitFor('the other still sees events', () => exited(b, second.pid!));
    expect(exited(a, second.pid!)).toBe(false);
    expect(netlinkSockets()).toEqual(one);
    subB.unsubscribe();
    expect(netlinkSockets()).toEqual(baseSockets);
    expect(openFdCount()).toBe(baseFds);
  });

  it('procs() and procEvents() subscribers share the socket too; a late scan subscriber gets the running processes', async () => {
    const baseFds = openFdCount();
    const batches = procs().subscribe();
    const fds = openFdCount();
    const scanned: ProcEnrichedEvent[] = [];
    const sub = procEvents({ scan: true, events: ['exec'] }).subscribe((e) => scanned.push(e));
    expect(openFdCount()).toBe(fds);
    const self = scanned.find((e) => e.origin === 'scan' && e.pid === process.pid);
    expect(self).toMatchObject({ type: 'proc-exec', tgid: process.pid, ppid: process.ppid, comm: expect.any(String), uid: process.getuid!() });
    expect(self!.cmdline).toEqual(readFileLines0(`/proc/${process.pid}/cmdline`));
    expect(self!.startTime).toBeGreaterThan(0n);
    // a second scan subscriber gets them from the shared table
    const again: ProcEnrichedEvent[] = [];
    const sub2 = procEvents({ scan: true, events: ['exec'] }).subscribe((e) => again.push(e));
    expect(again.some((e) => e.origin === 'scan' && e.pid === process.pid)).toBe(true);
    sub2.unsubscribe();
    sub.unsubscribe();
    batches.unsubscribe();
    expect(openFdCount()).toBe(baseFds);
  });
});

function readFileLines0(path: string): string[] {
  return readFileSync(path, 'latin1').replace(/\0$/, '').split('\0');
}
