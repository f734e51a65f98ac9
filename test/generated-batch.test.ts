// The batch classes generated from the kind declarations (packages/kwire/src/generated/<kind>.ts):
// select() of any rows gives the same events as get() of those rows, in that order, for every
// built-in kind; the string accessors and events agree; out-of-range indexes are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execDecoder, exitDecoder, flowDecoder, FrameDecoder, loadgenDecoder, SourceId, type Batch, type RecordDecoder } from 'kwire';
import { encodeExec } from './reference/exec.js';
import { encodeExit } from './reference/exit.js';
import { encodeFlow, ipv4 } from './reference/flow.js';
import { concat, frame } from './reference/frames.js';
import { encodeLoadgen } from './reference/loadgen.js';

const N = 50;
const ip6 = (i: number) => Uint8Array.from({ length: 16 }, (_, k) => (k === 15 ? i : k === 0 ? 0x20 : 0));
const kinds: [string, RecordDecoder<Batch<unknown> & { select(rows: readonly number[]): Batch<unknown> }>, Uint8Array][] = [
  ['exec', execDecoder as never, concat(Array.from({ length: N }, (_, i) => frame(SourceId.exec, encodeExec({ ts: BigInt(i), cgroupId: 7n, pid: i, ppid: 1, uid: i, gid: 0, pidns: 9, flags: i % 2, comm: `c${i}`, filename: `/bin/f${i}`, argv: ['a', `é${i}`, ''] }))))],
  ['exit', exitDecoder as never, concat(Array.from({ length: N }, (_, i) => frame(SourceId.exit, encodeExit({ startTime: BigInt(i), exitTime: 2n, cgroupId: 3n, pidnsDev: 4n, pid: i, tid: i, ppid: 1, status: i << 8, pidns: 5, flags: 1, comm: `p${i}` }))))],
  ['flow', flowDecoder as never, concat(Array.from({ length: N }, (_, i) => frame(SourceId.flow, encodeFlow({
    start: BigInt(i), ts: 2n, cookie: BigInt(i), srcAddr: i % 2 ? ipv4(10, 0, 0, i) : ip6(i), dstAddr: ipv4(10, 1, 0, 1), packetsOrig: 3n, bytesOrig: BigInt(i), packetsRet: 5n, bytesRet: 6n,
    connmark: 0, netns: 7, srcPort: 30000 + i, dstPort: 443, proto: 6, kind: 1 + (i % 2),
  }))))],
  ['loadgen', loadgenDecoder as never, concat(Array.from({ length: N }, (_, i) => frame(SourceId.loadgen, encodeLoadgen({ seq: BigInt(i), ts: 1n, cpu: i % 2, tag: i }))))],
];

describe.each(kinds)('the generated %s batch', (_name, decoder, frames) => {
  const [batch] = new FrameDecoder(decoder, N).decode(frames).batches;

  it('decodes every record', () => expect(batch!.length).toBe(N));

  it('select(rows) holds exactly those rows, in order (any rows, repeats allowed)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(N - 1), { maxLength: 3 * N }), (rows) => {
        const picked = batch!.select(rows);
        expect(picked.length).toBe(rows.length);
        expect([...picked]).toEqual(rows.map((r) => batch!.get(r)));
      }),
    );
  });

  it('refuses an index outside the batch', () => {
    for (const i of [-1, N, 1.5, NaN]) expect(() => batch!.get(i)).toThrow(RangeError);
  });
});

describe('accessors beside the columns', () => {
  it('exec: filename, argv and truncated agree with the event', () => {
    const [b] = new FrameDecoder(execDecoder, N).decode(kinds[0]![2]).batches;
    for (let i = 0; i < N; i++) {
      const e = b!.get(i);
      expect([b!.filename(i), b!.argv(i), b!.truncated(i), b!.comm(i)]).toEqual([e.filename, e.argv, e.truncated, e.comm]);
      expect(b!.args(i)).toEqual([e.filename, ...e.argv]);
    }
  });
});
