// Live: a tiny socket receive buffer and a fork storm overrun the proc connector socket. ENOBUFS must
// be counted (stats().lost.enobufs), the stream must go on, and after the resynchronisation the
// processes procEvents() holds as alive must be those /proc runs.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDeletedProcesses, procEvents, procLivePids, type ProcEnrichedEvent } from 'kwire';
import { buildWorkload, canRunProc, procSkipReason } from './helpers/proc-live.js';
import { waitFor } from './helpers/run.js';

const running = (): Set<number> => {
  const all = new Set<number>();
  for (const pid of readdirSync('/proc')) if (/^\d+$/.test(pid)) all.add(Number(pid));
  for (const pid of findDeletedProcesses(all)) all.delete(pid); // zombies too
  return all;
};

/** The tracker agrees with /proc: every process running before and after its snapshot is in it, and
 *  it holds nothing that ran neither before nor after (processes may start and end meanwhile). */
function agrees(tracked: Set<number>, before: Set<number>, after: Set<number>): { missing: number[]; extra: number[] } {
  const missing = [...before].filter((p) => after.has(p) && !tracked.has(p));
  const extra = [...tracked].filter((p) => !before.has(p) && !after.has(p));
  return { missing, extra };
}

const tiny = { rcvbuf: 1, ringCapacity: 1 << 16, batchSize: 64 }; // the kernel rounds rcvbuf up to its minimum (~4.5 KiB)

describe.skipIf(!canRunProc)(`proc connector loss${canRunProc ? '' : ` (skipped: ${procSkipReason})`}`, () => {
  let bins: ReturnType<typeof buildWorkload>;
  beforeAll(() => {
    bins = buildWorkload();
  });
  afterAll(() => {
    if (bins) rmSync(dirname(bins.workload), { recursive: true, force: true });
  });

  it('a fork storm into a tiny receive buffer: ENOBUFS counted, the stream goes on, the resync agrees with /proc', async () => {
    const source = procEvents({ ...tiny, events: ['fork', 'exec', 'exit'] });
    const seen: ProcEnrichedEvent[] = [];
    const sub = source.subscribe((e) => seen.push(e));
    try {
      // storms until the socket overran at least once (one is nearly always enough)
      for (let round = 0; round < 5 && source.stats().lost.enobufs === 0; round++) {
        await new Promise<void>((resolve, reject) => {
          const storm = spawn(bins.workload, ['storm', '20000'], { stdio: 'ignore' });
          storm.on('error', reject);
          storm.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`storm exited with ${code}`))));
        });
      }
      const lost = source.stats().lost;
      expect(lost.enobufs).toBeGreaterThan(0);
      expect(lost.kernel).toBe(lost.enobufs);
      await waitFor('a resynchronisation', () => source.stats().tracker.resyncs > 0);
      // the stream goes on: a process started after the loss is seen from fork to exit
      const after = spawn('sh', ['-c', 'exit 9'], { stdio: 'ignore' });
      await waitFor('the exit after the loss', () => seen.some((e) => e.type === 'proc-exit' && e.tgid === after.pid && e.exitCode === 9));
      expect(seen.some((e) => e.type === 'proc-fork' && e.pid === after.pid)).toBe(true);
      // after the resync, the live table is /proc's (retried: events in flight settle it)
      let last = { missing: [-1], extra: [-1] };
      await waitFor('the live pids to agree with /proc', () => {
        const before = running();
        const tracked = procLivePids(tiny);
        last = agrees(tracked, before, running());
        return last.missing.length === 0 && last.extra.length === 0;
      }, 20_000).catch(() => {
        throw new Error(`live pids disagree with /proc: missing ${last.missing.join(',')}, extra ${last.extra.join(',')}`);
      });
      // every synthetic event reached the subscriber, marked as such
      const t = source.stats().tracker;
      expect(seen.filter((e) => e.origin === 'resync').length).toBe(t.syntheticExits + t.syntheticExecs);
    } finally {
      sub.unsubscribe();
    }
  }, 60_000);
});
