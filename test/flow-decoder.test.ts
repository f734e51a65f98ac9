// The WASM flow decoder on synthetic frames: exact values, flowId as documented, the filter, skips
// with a status for bad input, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowDecoder, FlowBatch, FlowKind, bytesToIp, FrameDecoder, SourceId, type FlowEvent } from 'kwire';
import { encodeFlow, flowIdOf, ipv4, type FlowRecord } from './reference/flow.js';
import { concat, frame } from './reference/frames.js';

const v6 = Uint8Array.from([0xfd, 0x6b, 0x77, 0x74, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
const sample: FlowRecord = {
  start: 1_700_000_000_123_456_789n,
  ts: 987_654_321n,
  cookie: 2n ** 63n + 3n,
  srcAddr: ipv4(10, 0, 0, 1),
  dstAddr: ipv4(10, 0, 0, 2),
  packetsOrig: 12n,
  bytesOrig: 3456n,
  packetsRet: 2n ** 53n - 1n,
  bytesRet: 78n,
  connmark: 0xdeadbeef,
  netns: 4026531840,
  srcPort: 40000,
  dstPort: 443,
  proto: 6,
  kind: 1,
};
const events = (batches: FlowBatch[]): FlowEvent[] => batches.flatMap((b) => [...b]);
const decoder = () => new FrameDecoder(flowDecoder, 64);

describe('flow decoder', () => {
  it('decodes every field of a record, ports from big-endian, flowId as documented', () => {
    const bytes = encodeFlow(sample);
    const { batches, skipped } = decoder().decode(frame(SourceId.flow, bytes));
    expect(skipped).toEqual({});
    expect(events(batches)).toEqual([
      {
        type: 'flow',
        kind: 'update',
        start: 1700000000123456789n,
        ts: 987654321n,
        cookie: 9223372036854775811n,
        flowId: flowIdOf(bytes),
        connmark: 0xdeadbeef,
        srcAddr: '10.0.0.1',
        dstAddr: '10.0.0.2',
        srcPort: 40000,
        dstPort: 443,
        proto: 6,
        netns: 4026531840,
        packetsOrig: 12,
        bytesOrig: 3456,
        packetsRet: 2 ** 53 - 1,
        bytesRet: 78,
      },
    ]);
  });

  it('renders IPv6 addresses and destroy records', () => {
    const { batches } = decoder().decode(frame(SourceId.flow, encodeFlow({ ...sample, srcAddr: v6, dstAddr: ipv4(0, 0, 0, 0), kind: 2, proto: 17 })));
    const [e] = events(batches);
    expect([e!.kind, e!.srcAddr, e!.dstAddr, e!.proto]).toEqual(['destroy', 'fd6b:7774:1::2', '0.0.0.0', 17]);
  });

  it.each([
    ['::1', [...Array(15).fill(0), 1]],
    ['fe80::1:2', [0xfe, 0x80, ...Array(10).fill(0), 0, 1, 0, 2]],
    ['1:0:2::3', [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]],
    ['::ffff:10.1.2.3', [...Array(10).fill(0), 0xff, 0xff, 10, 1, 2, 3]],
  ])('formats %s', (text, bytes) => {
    expect(bytesToIp(Uint8Array.from(bytes), 0, 'ip')).toBe(text);
  });

  it('counts a record of the wrong length or an unknown kind as a decode error and skips it', () => {
    const good = encodeFlow(sample);
    const short = good.subarray(0, 100);
    const long = concat([good, new Uint8Array(8)]);
    const kind = encodeFlow({ ...sample, kind: 7 });
    const pad = encodeFlow(sample, 1);
    const input = concat([frame(SourceId.flow, short), frame(SourceId.flow, long), frame(SourceId.flow, kind), frame(SourceId.flow, pad), frame(SourceId.exec, good), frame(SourceId.flow, good)]);
    const { batches, skipped } = decoder().decode(input);
    expect(events(batches).map((e) => e.cookie)).toEqual([sample.cookie]);
    expect(skipped).toEqual({ truncated: 1, badLength: 1, badValue: 2, unknownSource: 1 });
  });

  it('splits into batches of the decoder capacity', () => {
    const input = concat(Array.from({ length: 150 }, (_, i) => frame(SourceId.flow, encodeFlow({ ...sample, cookie: BigInt(i) }))));
    const { batches } = decoder().decode(input);
    expect(batches.map((b) => b.length)).toEqual([64, 64, 22]);
    expect(events(batches).map((e) => Number(e.cookie))).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('selects records by kind', () => {
    const input = concat([1, 2, 1, 2, 2].map((kind, i) => frame(SourceId.flow, encodeFlow({ ...sample, kind, cookie: BigInt(i) }))));
    const [batch] = decoder().decode(input).batches;
    expect([...batch!.select([...batch!.kind.keys()].filter((i) => batch!.kind[i] === FlowKind.destroy))].map((e) => Number(e.cookie))).toEqual([1, 3, 4]);
    expect([...batch!.select([...batch!.kind.keys()].filter((i) => batch!.kind[i] === FlowKind.update))].map((e) => e.srcAddr)).toEqual(['10.0.0.1', '10.0.0.1']);
  });

  it('property: any well-formed record decodes to its fields', () => {
    const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    const cnt = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n });
    const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const record = fc.record({
      start: u64, ts: u64, cookie: u64, srcAddr: addr, dstAddr: addr, packetsOrig: cnt, bytesOrig: cnt, packetsRet: cnt, bytesRet: cnt,
      connmark: fc.nat({ max: 2 ** 32 - 1 }), netns: fc.nat({ max: 2 ** 32 - 1 }), srcPort: fc.nat({ max: 65535 }), dstPort: fc.nat({ max: 65535 }),
      proto: fc.nat({ max: 255 }), kind: fc.constantFrom(1, 2),
    });
    const d = decoder();
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        const bytes = records.map((r) => encodeFlow(r));
        const got = events(d.decode(concat(bytes.map((b) => frame(SourceId.flow, b)))).batches);
        expect(got.length).toBe(records.length);
        got.forEach((e, i) => {
          const r = records[i]!;
          expect([e.start, e.ts, e.cookie, e.srcPort, e.dstPort, e.proto, e.netns, e.connmark, e.packetsRet]).toEqual([r.start, r.ts, r.cookie, r.srcPort, r.dstPort, r.proto, r.netns, r.connmark, Number(r.packetsRet)]);
          expect(e.flowId).toBe(flowIdOf(bytes[i]!));
          expect(e.srcAddr).toBe(bytesToIp(r.srcAddr, 0, 'ip'));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('fuzz: random and mutated frames give records or skip counts, never a crash', () => {
    const d = decoder();
    const good = encodeFlow(sample);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 160 }), fc.tuple(fc.nat({ max: 103 }), fc.nat({ max: 255 })).map(([at, b]) => { const m = good.slice(); m[at] = b; return m; })), { maxLength: 16 }),
        fc.constantFrom(SourceId.flow, SourceId.exec),
        (payloads, source) => {
          const { batches, skipped } = d.decode(concat(payloads.map((p) => frame(source, p))));
          const n = batches.reduce((a, b) => a + b.length, 0);
          const skips = Object.values(skipped).reduce((a, b) => a + (b ?? 0), 0);
          expect(n + skips).toBe(payloads.length);
          for (const e of events(batches)) expect(['update', 'destroy']).toContain(e.kind);
        },
      ),
      { numRuns: 300 },
    );
  });
});
