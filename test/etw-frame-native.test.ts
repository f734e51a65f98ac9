// The live session's frame builder (native/win/src/etw_frame.cc, WriteEtwFrame), compiled for Linux
// (native/win/build/etw-frame-host, built by `make win`) and fed EVENT_RECORDs rebuilt from the events
// of the .etl fixtures: the frames it writes must be the .etl path's frames, and the etw decoder must
// make the same events of both (every event kind the .etl decoders handle). What differs by definition is checked against the layout's live column (kinds/etw-frame.ts):
// rawTime (a live consumer sees FILETIMEs only), headerType (EVENT_HEADER32/64 live) and hookId (live:
// from the class and opcode; the .etl path keeps the header's, 0x030A for image loads).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { etw, FrameDecoder, ETW_CLASSES, ETW_HEADER_SIZE, ETW_PROVIDERS, EtwFrame, guidBytes, type EtwBatch, type EtwEvent } from 'kwire';
import { EtlWalker } from '../packages/kwire/src/kinds/etw-walker.js';
import { ETW_SOURCE_ID } from '../packages/kwire/src/kinds/etw-frame.js';
import { ETL_FIXTURES, etlBytes, type EtlFixture } from './helpers/etl.js';
import { eventRecordOf, frameHostMissing, ringBytes, ringFrames, runFrameHost, EVENT_RECORD_HEAD, type RingFrame } from './helpers/etw-records.js';

const missing = frameHostMissing();
if (missing) throw new Error(`${missing}: the frame-equivalence test needs it (make test builds it)`);

const known = new Map([...ETW_CLASSES, ...ETW_PROVIDERS].map((c) => [c.eventClass, c.guid]));
/** The classes the etw decoder decodes: every event of theirs is compared; of the other classes kwire
 *  names (PerfInfo, StackWalk, DiskIo, …: raw only) one in eight, to keep the test quick. */
const decodedClasses = new Set([0x03, 0x05, 0x14, 0x04, 0x06, 0x08, 0x101, 0x102]);

/** The .etl path's frames of a fixture (the walker of issue 12, assembly/etl/). */
function etlFrames(name: EtlFixture): RingFrame[] {
  const walker = new EtlWalker();
  walker.walk(etlBytes(name), true, 1 << 30);
  return ringFrames(walker.frames().bytes.slice());
}

/** The events the etw decoder makes of `frames`, without tsRaw (a live consumer sees FILETIMEs only). */
function decoded(frames: readonly RingFrame[]): { events: Omit<EtwEvent, 'tsRaw'>[]; skipped: object } {
  const { batches, skipped } = new FrameDecoder<EtwBatch>(etw.decoder()).decode(ringBytes(frames));
  const events = batches.flatMap((b) => [...b] as EtwEvent[]).map(({ tsRaw: _raw, ...rest }) => rest);
  return { events, skipped };
}

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);

/** A frame's header with the three transport fields zeroed (rawTime, hookId, headerType). */
function comparable(payload: Uint8Array): Uint8Array {
  const c = payload.slice();
  c.fill(0, EtwFrame.rawTime, EtwFrame.rawTime + 8);
  c.fill(0, EtwFrame.hookId, EtwFrame.hookId + 2);
  c[EtwFrame.headerType] = 0;
  return c;
}

describe('the live frame builder, compiled for Linux', () => {
  it('has the constants of kinds/etw-frame.ts (header size, offsets, source id, class GUIDs)', () => {
    const run = runFrameHost(new Uint8Array(), ['--describe']);
    expect(run.status).toBe(0);
    const d = JSON.parse(run.stdout.toString()) as { headerSize: number; sourceId: number; offsets: Record<string, number>; classes: { eventClass: number; guid: string }[] };
    expect(d.headerSize).toBe(ETW_HEADER_SIZE);
    expect(d.sourceId).toBe(ETW_SOURCE_ID);
    expect(d.offsets).toEqual({ ...EtwFrame });
    expect(d.classes).toEqual([...ETW_CLASSES, ...ETW_PROVIDERS].map(({ eventClass, guid }) => ({ eventClass, guid })));
  });

  const seen = new Map<string, number>();
  const types = new Set<string>();
  it.each(ETL_FIXTURES)('writes the .etl path\'s frames for the events of %s, and they decode to the same events', (name) => {
    const frames = etlFrames(name).filter((f, i) => {
      const cls = u16(f.payload, EtwFrame.eventClass);
      return decodedClasses.has(cls) || (known.has(cls) && i % 8 === 0);
    });
    expect(frames.length).toBeGreaterThan(0);
    const run = runFrameHost(frames.map((f) => eventRecordOf(f.payload)));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const live = ringFrames(new Uint8Array(run.stdout), false);
    expect(live.length).toBe(frames.length);
    const wrong: string[] = [];
    for (let i = 0; i < frames.length && wrong.length < 5; i++) {
      const etl = frames[i]!.payload;
      const out = live[i]!.payload;
      const at = `${name} event ${i}`;
      if (live[i]!.flags !== frames[i]!.flags) wrong.push(`${at}: ring flags ${live[i]!.flags}, .etl ${frames[i]!.flags}`);
      const a = Buffer.from(comparable(out));
      const b = Buffer.from(comparable(etl));
      if (!a.equals(b)) wrong.push(`${at}: live ${a.toString('hex')}\n .etl ${b.toString('hex')}`);
      // The three fields a live consumer writes its own way.
      const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const flags = v.getUint16(EtwFrame.etwFlags, true);
      const cls = v.getUint16(EtwFrame.eventClass, true);
      if (v.getBigUint64(EtwFrame.rawTime, true) !== v.getBigUint64(EtwFrame.time, true)) wrong.push(`${at}: rawTime is not the FILETIME`);
      if (out[EtwFrame.headerType] !== (flags & 1 ? 0x12 : 0x13)) wrong.push(`${at}: headerType ${out[EtwFrame.headerType]}`);
      if (v.getUint16(EtwFrame.hookId, true) !== (flags & 2 && cls < 0x100 ? (cls << 8) | out[EtwFrame.opcode]! : 0)) wrong.push(`${at}: hookId`);
      const kind = `${cls.toString(16)}/${out[EtwFrame.opcode]}`;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    expect(wrong).toEqual([]);

    const fromEtl = decoded(frames);
    const fromLive = decoded(live);
    expect(fromLive.skipped).toEqual(fromEtl.skipped);
    expect(fromLive.events.length).toBe(fromEtl.events.length);
    expect(fromLive.events).toEqual(fromEtl.events);
    for (const e of fromLive.events) types.add(e.type);
  });

  it('covered the classes the .etl decoders handle: process, thread, image, file, TCP, UDP, Kernel-Process, Kernel-Network', () => {
    const classes = new Set([...seen.keys()].map((k) => parseInt(k.split('/')[0]!, 16)));
    for (const c of [0x03, 0x05, 0x14, 0x04, 0x06, 0x08, 0x101, 0x102]) expect(classes, `eventClass 0x${c.toString(16)}`).toContain(c);
    for (const t of ['process-start', 'process-end', 'process-rundown', 'thread-start', 'thread-end', 'image-load', 'image-rundown', 'file-rundown', 'tcp-send', 'udp-send']) {
      expect(types, t).toContain(t);
    }
  });

  it('derives the normalised header from any EVENT_RECORD, and never crashes', () => {
    const guids = [...known.values(), '00000000-0000-0000-0000-000000000000', '12345678-9abc-def0-1234-56789abcdef0'];
    const record = fc.record({
      flags: fc.integer({ min: 0, max: 0xffff }), pid: fc.oneof(fc.constant(0xffffffff), fc.nat()), tid: fc.oneof(fc.constant(0xffffffff), fc.nat()),
      time: fc.bigUint64Array({ minLength: 1, maxLength: 1 }), guid: fc.constantFrom(...guids), id: fc.integer({ min: 0, max: 0xffff }),
      version: fc.integer({ min: 0, max: 255 }), level: fc.integer({ min: 0, max: 255 }), opcode: fc.integer({ min: 0, max: 255 }),
      cpuNumber: fc.integer({ min: 0, max: 255 }), cpuIndex: fc.integer({ min: 0, max: 0xffff }), extended: fc.integer({ min: 0, max: 3 }),
      data: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
      const input = records.map((r) => {
        const out = new Uint8Array(4 + EVENT_RECORD_HEAD + r.data.length);
        const v = new DataView(out.buffer);
        v.setUint32(0, EVENT_RECORD_HEAD + r.data.length, true);
        v.setUint16(4 + 4, r.flags, true);
        v.setUint32(4 + 8, r.tid, true);
        v.setUint32(4 + 12, r.pid, true);
        v.setBigUint64(4 + 16, r.time[0]!, true);
        out.set(guidBytes(r.guid), 4 + 0x18);
        v.setUint16(4 + 0x28, r.id, true);
        out[4 + 0x2a] = r.version;
        out[4 + 0x2c] = r.level;
        out[4 + 0x2d] = r.opcode;
        v.setUint16(4 + 0x50, (r.flags & 0x200) !== 0 ? r.cpuIndex : r.cpuNumber, true);
        v.setUint16(4 + 0x54, r.extended, true);
        v.setUint16(4 + 0x56, r.data.length, true);
        out.set(r.data, 4 + EVENT_RECORD_HEAD);
        return out;
      });
      const run = runFrameHost(input);
      expect(run.status).toBe(0);
      const frames = ringFrames(new Uint8Array(run.stdout), false);
      expect(frames.length).toBe(records.length);
      frames.forEach(({ flags, payload }, i) => {
        const r = records[i]!;
        const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
        const cls = [...known].find(([, g]) => g === r.guid)?.[0] ?? 0xffff;
        const classic = (r.flags & 0x100) !== 0;
        const rundown = ([3, 5, 0x14].includes(cls) && (r.opcode === 3 || r.opcode === 4)) || (cls === 4 && r.opcode === 36);
        const etwFlags = (r.flags & 0x20 ? 1 : 0) | (classic ? 2 : 0) | (rundown ? 4 : 0) | (r.pid === 0xffffffff && r.tid === 0xffffffff ? 8 : 0) | (r.flags & 1 || r.extended ? 0x10 : 0);
        expect(flags).toBe(r.flags & 0x20 ? 1 : 0);
        expect(payload.length).toBe(ETW_HEADER_SIZE + r.data.length);
        expect(v.getUint16(EtwFrame.eventClass, true)).toBe(cls);
        expect(v.getUint16(EtwFrame.eventId, true)).toBe(classic ? 0 : r.id);
        expect(v.getUint16(EtwFrame.etwFlags, true)).toBe(etwFlags);
        expect(v.getUint16(EtwFrame.cpu, true)).toBe((r.flags & 0x200) !== 0 ? r.cpuIndex : r.cpuNumber);
        expect(v.getUint32(EtwFrame.pid, true)).toBe(r.pid);
        expect(payload.subarray(ETW_HEADER_SIZE)).toEqual(r.data);
      });
    }), { numRuns: 50 });
  });

  it('fuzz: random, truncated or mutated input ends with status 0 or 2, never a crash', () => {
    const valid = eventRecordOf(etlFrames('KernelNetwork')[5]!.payload);
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.tuple(fc.integer({ min: 0, max: valid.length }), fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })).map(([cut, edits]) => {
        const b = valid.slice(0, cut);
        for (const [at, v] of edits) if (at < b.length) b[at] = v;
        return b;
      }),
    );
    fc.assert(fc.property(input, (bytes) => {
      const run = runFrameHost(bytes);
      expect([0, 2]).toContain(run.status);
    }), { numRuns: 60 });
  });

  it('refuses a record shorter than its head or than its UserDataLength with status 2', () => {
    const short = new Uint8Array(8);
    new DataView(short.buffer).setUint32(0, 4, true);
    expect(runFrameHost(short)).toMatchObject({ status: 2, stderr: expect.stringMatching(/record 0: 4 bytes, outside/) });
    const lying = new Uint8Array(4 + EVENT_RECORD_HEAD);
    new DataView(lying.buffer).setUint32(0, EVENT_RECORD_HEAD, true);
    new DataView(lying.buffer).setUint16(4 + 0x56, 100, true);
    expect(runFrameHost(lying)).toMatchObject({ status: 2, stderr: expect.stringMatching(/UserDataLength says/) });
  });
});
