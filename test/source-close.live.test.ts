// Live: records that reached the shared ring when the last subscriber leaves are counted
// (stats().lost.undelivered), and drain() delivers them first; events keep their source's stats.
// Issue 15, defect 6: a run showed `received: 0, lost: {kernel: 0, ring: 0}, queueLength: 352`.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { execEvents, execs, exitEvents, type ExecEvent } from 'kwire';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { waitFor } from './helpers/run.js';

const EXECS = 20;

/** Blocks this thread (no delivery can run) while `EXECS` tagged /bin/true run, until the poll thread has
 *  copied what the kernel wrote into the shared ring (its queue stops growing). */
function execWhileBlocked(tag: string, queueLength: () => number): void {
  execFileSync('sh', ['-c', `for i in $(seq ${EXECS}); do /bin/true ${tag}; done`]);
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - stableSince < 300) {
    const q = queueLength();
    if (q !== last) [last, stableSince] = [q, Date.now()];
  }
}

describe.skipIf(!canRunLive)(`closing a live source${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('counts what the shared ring still holds at unsubscribe in lost.undelivered', async () => {
    const tag = `kw15-${randomUUID()}`;
    const source = execs();
    let ours = 0;
    const warm = `kw15-warm-${randomUUID()}`;
    let attached = false;
    const subscription = source.subscribe((b) => {
      for (const e of b) {
        if (e.argv[1] === warm) attached = true;
        if (e.argv[1] === tag) ours++;
      }
    });
    await waitFor('the program to be attached', () => {
      execFileSync('/bin/true', [warm]);
      return attached;
    });
    execWhileBlocked(tag, () => source.stats().queueLength);
    subscription.unsubscribe();
    const stats = source.stats();
    expect(ours).toBe(0); // the thread was blocked: none was delivered
    expect(stats.lost.undelivered).toBeGreaterThanOrEqual(EXECS);
    expect(stats.queueLength).toBe(0);
  });

  it('drain() delivers them before a planned unsubscribe; execEvents() has stats()', async () => {
    const tag = `kw15-${randomUUID()}`;
    const warm = `kw15-warm-${randomUUID()}`;
    const events = execEvents();
    const ours: ExecEvent[] = [];
    let attached = false;
    const subscription = events.subscribe((e) => {
      if (e.argv[1] === warm) attached = true;
      if (e.argv[1] === tag) ours.push(e);
    });
    await waitFor('the program to be attached', () => {
      execFileSync('/bin/true', [warm]);
      return attached;
    });
    execWhileBlocked(tag, () => events.stats().queueLength);
    events.drain();
    subscription.unsubscribe();
    expect(ours).toHaveLength(EXECS);
    expect(events.stats().lost).toEqual({ kernel: 0, ring: 0, undelivered: 0 });
    expect(events.stats().received).toBeGreaterThanOrEqual(EXECS);
    expect(typeof exitEvents().stats).toBe('function');
  });
});
