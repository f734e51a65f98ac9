// The ETW frame (packages/kwire/src/kinds/etw-frame.ts) is one contract for two producers: the .etl
// walker and a live session's EVENT_RECORD callback (issue 13). Its documented offsets are the etw
// layout's; and frames built the live way — from each record's fields as an EVENT_RECORD carries them
// (class GUID + opcode, CLASSIC flag, FILETIME), by the rules the comment states — decode to exactly the
// events of the .etl path.
import { describe, expect, it } from 'vitest';
import { builtinKinds } from 'kwire/gen';
import { ETW_CLASSES, ETW_FRAME_PTR32, ETW_HEADER_SIZE, EtwFlag, EtwFrame, etw, FrameDecoder, guidBytes, guidText, type EtwBatch } from 'kwire';
import { etlBytes, etlPath, readEtl, type EtlFixture } from './helpers/etl.js';
import { concat, frame } from './reference/frames.js';
import { walkEtlRef, type RefRecord } from './reference/etl.js';

const layout = builtinKinds.find((k) => k.kind.name === 'etw')!.kind.layout;

describe('the ETW frame layout', () => {
  it('documents the offsets and size the etw decoder reads', () => {
    expect(ETW_HEADER_SIZE).toBe(56);
    expect(layout.size).toBe(ETW_HEADER_SIZE);
    expect(Object.fromEntries(layout.fields.map((f) => [f.name, f.offset]))).toEqual(EtwFrame);
    expect(layout.pointer).toEqual({ flag: ETW_FRAME_PTR32 });
    expect(EtwFlag.ptr32).toBe(ETW_FRAME_PTR32);
  });

  it('maps every kernel class GUID to one group number, and back', () => {
    expect(new Set(ETW_CLASSES.map((c) => c.eventClass)).size).toBe(ETW_CLASSES.length);
    for (const c of ETW_CLASSES) expect(guidText(guidBytes(c.guid))).toBe(c.guid);
    // the GUID struct's bytes: Data1..3 little-endian
    expect([...guidBytes('3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c')]).toEqual([0xd0, 0xa8, 0x6f, 0x3d, 0x05, 0xfe, 0xd0, 0x11, 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c]);
  });
});

/** The frame a live callback writes for record r (what its EVENT_RECORD would hold), by etw-frame.ts's rules. */
function liveFrame(r: RefRecord, clock: { start: bigint; raw0: bigint; freq: bigint }): Uint8Array {
  const classic = r.headerType !== 0x12 && r.headerType !== 0x13;
  // the live session reports the class GUID and opcode; image load comes as (Image, 10)
  const cls = ETW_CLASSES.find((c) => c.eventClass === r.eventClass);
  const guid = cls ? guidBytes(cls.guid) : new Uint8Array(16);
  const eventClass = cls ? cls.eventClass : 0xffff; // GUID → group (ETW_CLASSES); manifest events are not in this test
  const delta = r.ts - clock.raw0;
  const mag = delta < 0n ? -delta : delta;
  const ft = (mag / clock.freq) * 10_000_000n + ((mag % clock.freq) * 10_000_000n) / clock.freq;
  const out = new Uint8Array(ETW_HEADER_SIZE + r.payload.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(EtwFrame.time, delta < 0n ? clock.start - ft : clock.start + ft, true);
  v.setBigInt64(EtwFrame.rawTime, r.ts, true);
  out.set(guid, EtwFrame.guid);
  v.setUint32(EtwFrame.pid, r.pid >>> 0, true);
  v.setUint32(EtwFrame.tid, r.tid >>> 0, true);
  v.setUint16(EtwFrame.eventClass, eventClass, true);
  v.setUint16(EtwFrame.eventId, 0, true);
  v.setUint16(EtwFrame.hookId, classic && eventClass < 0x100 ? (eventClass << 8) | r.opcode : 0, true);
  v.setUint8(EtwFrame.opcode, r.opcode);
  v.setUint8(EtwFrame.version, r.version);
  v.setUint8(EtwFrame.level, 0);
  v.setUint8(EtwFrame.headerType, r.ptr32 ? 0x12 : 0x13);
  v.setUint16(EtwFrame.cpu, r.cpu, true);
  const rundown = ([0x03, 0x05, 0x14].includes(eventClass) && (r.opcode === 3 || r.opcode === 4)) || (eventClass === 0x04 && r.opcode === 36);
  const noPid = r.pid === -1 || r.pid === 0xffffffff;
  v.setUint16(EtwFrame.etwFlags, (r.ptr32 ? EtwFlag.ptr32 : 0) | (classic ? EtwFlag.classic : 0) | (rundown ? EtwFlag.rundown : 0) | (noPid ? EtwFlag.noPid : 0), true);
  v.setUint16(EtwFrame.userDataLength, r.payload.length, true);
  out.set(r.payload, ETW_HEADER_SIZE);
  return frame(etw.decoder().sourceId, out, r.ptr32 ? ETW_FRAME_PTR32 : 0);
}

describe('frames built the live way decode to the events of the .etl path', () => {
  it.each(['ShutdownPerfDiagLogger', 'net.4.5.2.x86'] as EtlFixture[])('%s', async (name) => {
    const { events } = await readEtl(etlPath(name));
    const source = etw.fromEtl(etlPath(name));
    await new Promise<void>((resolve, reject) => source.subscribe({ error: reject, complete: () => resolve() }));
    const h = source.header()!;
    const clock = { start: h.startFiletime, raw0: h.rawStart, freq: BigInt(h.perfFrequency) };
    const kernel: RefRecord[] = [];
    // the classes kwire decodes (the others would only be counted unknown)
    walkEtlRef(etlBytes(name), false, (r) => void ([0x03, 0x04, 0x05, 0x06, 0x08, 0x14].includes(r.eventClass) && kernel.push({ ...r })));
    const d = new FrameDecoder<EtwBatch>(etw.decoder());
    const { batches, skipped } = d.decode(concat(kernel.map((r) => liveFrame(r, clock))));
    expect(skipped).toEqual({});
    const live = batches.flatMap((b) => [...b]);
    const classic = events.filter((e) => e.createTime === undefined); // the manifest events are not rebuilt here
    expect(live).toEqual(classic);
  });
});
