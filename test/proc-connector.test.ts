// The addon's proc connector socket (native/src/producers/proc_connector.*): arguments checked first
// (EARG, nothing opened); live, a NETLINK_CONNECTOR socket in the CN_IDX_PROC group with the receive
// buffer asked for, whose first datagram is the ack of its LISTEN, and that IGNORE and close release.
import { closeSync, readFileSync, readSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, procDecoder, SourceId } from 'kwire';
import { frame } from './reference/frames.js';
import { canRunProc, procSkipReason } from './helpers/proc-live.js';
import { openFdCount } from './helpers/live.js';

const addon = createRequire(import.meta.url)('@kwire/native') as typeof import('@kwire/native');
const NETLINK_CONNECTOR = 11;

/** /proc/self/net/netlink's row of the socket behind `fd`: protocol, groups (hex), receive buffer. */
function netlinkRow(fd: number): { eth: number; groups: number } | undefined {
  const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  const row = readFileSync('/proc/self/net/netlink', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((c) => c.at(-1) === inode);
  return row ? { eth: Number(row[1]), groups: parseInt(row[3]!, 16) } : undefined;
}

describe('openProcConnector and procConnectorControl arguments', () => {
  it.each([
    ['a string', () => addon.openProcConnector('x' as never), /usage: openProcConnector/],
    ['rcvbuf -1', () => addon.openProcConnector({ rcvbuf: -1 }), /rcvbuf must be an integer in 0\.\.2\^30/],
    ['rcvbuf 1.5', () => addon.openProcConnector({ rcvbuf: 1.5 }), /rcvbuf must be an integer/],
    ["rcvbuf 'big'", () => addon.openProcConnector({ rcvbuf: 'big' as never }), /rcvbuf must be a number/],
    ['control without arguments', () => (addon.procConnectorControl as () => void)(), /usage: procConnectorControl/],
    ["control op 'pause'", () => addon.procConnectorControl(0, 'pause' as never), /usage: procConnectorControl/],
  ])('%s: EARG, nothing opened', (_, call, message) => {
    const fds = openFdCount();
    expect(call).toThrow(message);
    try {
      call();
    } catch (error) {
      expect((error as { code?: string }).code).toBe('EARG');
    }
    expect(openFdCount()).toBe(fds);
  });
});

describe.skipIf(!canRunProc)(`the proc connector socket${canRunProc ? '' : ` (skipped: ${procSkipReason})`}`, () => {
  it('is a NETLINK_CONNECTOR socket in group CN_IDX_PROC; its first datagram acks the LISTEN; close releases it', () => {
    const fds = openFdCount();
    const fd = addon.openProcConnector({ rcvbuf: 1 << 20 });
    try {
      expect(netlinkRow(fd)).toEqual({ eth: NETLINK_CONNECTOR, groups: 1 });
      // the ack of our LISTEN (events may come before it while another listener already runs)
      const buf = Buffer.alloc(256);
      const decoder = new FrameDecoder(procDecoder);
      let first: { type: string; err?: number } | undefined;
      for (let i = 0; i < 10_000 && first?.type !== 'proc-ack'; i++) {
        const n = readSync(fd, buf, 0, buf.length, null);
        expect(n).toBe(76);
        first = decoder.decode(frame(SourceId.proc, buf.subarray(0, n))).batches[0]!.get(0);
      }
      expect(first).toMatchObject({ type: 'proc-ack', err: 0 });
      addon.procConnectorControl(fd, 'ignore');
    } finally {
      closeSync(fd);
    }
    expect(openFdCount()).toBe(fds);
  });
});
