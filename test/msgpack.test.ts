// MessagePack events: every event kind round-trips, 64-bit values as uint64/int64 (above 2^53 too),
// addresses as strings or bytes; the stream decoder reads what the encoder writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToIp, EventDecoder, EventEncoder, execDecoder, FrameDecoder, ipToBytes, SourceId } from 'kwire';
import { encodeExec } from './reference/exec.js';
import { concat, frame } from './reference/frames.js';
import { execRecord } from './helpers/capture.js';

const BIG = 2n ** 64n - 1n; // above 2^53: a double would round it
// Every event kind by its JSON field names (DESIGN.md); exec comes from the real decoder below.
const exitEvent = { type: 'exit', pid: 7, tid: 7, ppid: 1, exitCode: 3, signal: 0, startTime: BIG - 5n, exitTime: BIG, comm: 'sh', pidns: 4026531836, cgroupId: 2n ** 53n + 1n };
const flowEvent = { type: 'flow', start: 1_700_000_000_000_000_123n, ts: 2n ** 63n + 7n, flowId: 0xdeadbeef, connmark: 0, srcAddr: '10.0.0.1', dstAddr: '2001:db8::ff00:42:8329', srcPort: 443, dstPort: 51234, proto: 6, netns: 4026531992, packetsOrig: 12n, bytesOrig: BIG, packetsRet: 0n, bytesRet: 2n ** 53n + 3n, kind: 'update' };
const procEvent = { type: 'proc', what: 'exit', pid: 9, tgid: 9, ppid: 1, ptgid: 1, exitCode: -1, signal: 9, cpu: 1, ts: BIG - 1n };

function execEvents() {
  const d = new FrameDecoder(execDecoder);
  const records = Array.from({ length: 5 }, (_, i) => ({ ...execRecord(i), ts: BIG - BigInt(i), cgroupId: 2n ** 53n + BigInt(i) }));
  return d.decode(concat(records.map((r) => frame(SourceId.exec, encodeExec(r))))).batches.flatMap((b) => [...b]);
}

describe('MessagePack events', () => {
  it('round-trips every event kind, values above 2^53 exactly, field names as in JSON', () => {
    const events = [...execEvents(), exitEvent, flowEvent, procEvent];
    const bytes = new EventEncoder().encodeAll(events);
    expect([...new EventDecoder().decodeAll(bytes)]).toEqual(events);
  });

  it('writes bigints as uint64 (0xcf) and int64 (0xd3), never as strings or doubles', () => {
    const bytes = new EventEncoder().encode({ ts: BIG, neg: -(2n ** 60n) });
    expect(Buffer.from(bytes).toString('hex')).toBe('82a27473cfffffffffffffffffa36e6567d3f000000000000000');
  });

  it('writes addresses as 4 or 16 bytes on request, and reads them back as strings or bytes', () => {
    const bytes = new EventEncoder({ addresses: 'bytes' }).encode(flowEvent);
    const raw = [...new EventDecoder({ addresses: 'bytes' }).decodeAll(bytes)][0]!;
    expect(raw.srcAddr).toEqual(Uint8Array.of(10, 0, 0, 1));
    expect((raw.dstAddr as Uint8Array).length).toBe(16);
    expect([...new EventDecoder().decodeAll(bytes)][0]).toEqual(flowEvent);
    expect(bytes.length).toBeLessThan(new EventEncoder().encode(flowEvent).length);
  });

  it('decodes a stream cut into arbitrary pieces', async () => {
    const events = [...execEvents(), flowEvent];
    const bytes = new EventEncoder().encodeAll(events);
    async function* pieces() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const out = [];
    for await (const e of new EventDecoder().decodeStream(pieces())) out.push(e);
    expect(out).toEqual(events);
  });

  it('IP addresses: bytes and text agree both ways', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), (bytes) => {
        expect(ipToBytes(bytesToIp(bytes))).toEqual(bytes);
      }),
    );
    expect(bytesToIp(ipToBytes('::1'))).toBe('::1');
    expect(bytesToIp(ipToBytes('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(bytesToIp(ipToBytes('::ffff:1.2.3.4'))).toBe('::ffff:1.2.3.4') // RFC 5952 §5: an IPv4-mapped address ends in dotted quad;
  });
});
