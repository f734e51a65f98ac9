// etw: Windows kernel events (process, thread, image, file name, TCP/UDP), from .etl trace files
// (etw-etl.ts) and, on Windows, a live session (issue 13): both write the ETW frame of etw-frame.ts.
// The record kind's one declaration: the frame header, then a union of the documented MOF payloads on
// (eventClass, opcode, eventId, version). The event objects are built in etw-event.ts; the hand-written
// in-pass filter (unknown events, the caller's class/opcode/pid filter) is assembly/etw-hooks.ts.
import { bytes, utf16, utf8, type FieldSpec, type VariantSpec } from '../layout/layout.js';
import { defineKind } from '../pipeline/kind.js';
import { ETW_FRAME_PTR32, ETW_SOURCE_ID } from './etw-frame.js';
import { etwDetail, etwEvent, setEtwLayout, type EtwEvent } from './etw-event.js';
import type { EtwBatch } from '../generated/etw.js';

export type { EtwEvent } from './etw-event.js';

const u8 = (name: string): FieldSpec => ({ name, type: 'u8' });
const u16 = (name: string): FieldSpec => ({ name, type: 'u16' });
const u16be = (name: string): FieldSpec => ({ name, type: 'u16be' });
const u32 = (name: string): FieldSpec => ({ name, type: 'u32' });
const i32 = (name: string): FieldSpec => ({ name, type: 'i32' });
const u64 = (name: string): FieldSpec => ({ name, type: 'u64' });
const ptr = (name: string): FieldSpec => ({ name, type: 'ptr' });
/** A field the events do not show: located, not copied (every column costs each row of every variant). */
const hidden = (f: FieldSpec): FieldSpec => ({ ...f, column: false });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** The tag tuples (eventClass, opcode, eventId, version) of every combination given. */
function tags(eventClass: number, opcodes: readonly number[], versions: readonly number[], eventIds: readonly number[] = [0]): number[][] {
  const out: number[][] = [];
  for (const o of opcodes) for (const id of eventIds) for (const v of versions) out.push([eventClass, o, id, v]);
  return out;
}
/** Manifest events: (eventId, opcode) pairs. */
function manifest(eventClass: number, pairs: readonly [number, number][], versions: readonly number[]): number[][] {
  return pairs.flatMap(([id, o]) => versions.map((v) => [eventClass, o, id, v]));
}

// Classic kernel classes (EVENT_TRACE_GROUP_*) and the manifest providers (etw-frame.ts ETW_PROVIDERS).
const PROCESS = 0x03, THREAD = 0x05, IMAGE = 0x14, FILEIO = 0x04, TCPIP = 0x06, UDPIP = 0x08;
const KERNEL_PROCESS = 0x101, KERNEL_NETWORK = 0x102;
/** Versions a layout is taken for: the documented one and later ones (which append fields). */
const FROM = (v: number) => range(v, 15);

/** The prefix every TcpIp/UdpIp event shares (TcpIp_TypeGroup1, _SendIPV4, …; Kernel-Network's the same). */
const netFields = (ip: 'ip4' | 'ip6'): FieldSpec[] => [u32('processId'), u32('size'), { name: 'daddr', type: ip }, { name: 'saddr', type: ip }, u16be('dport'), u16be('sport')];
const processHead: FieldSpec[] = [hidden(ptr('uniqueProcessKey')), u32('processId'), u32('parentId'), u32('sessionId'), i32('exitStatus'), hidden(ptr('directoryTableBase'))];
const TCP_OPS = [10, 11, 12, 13, 14, 15, 16, 18];

/**
 * The payload layouts by variant: Microsoft's documented MOF classes (Process_TypeGroup1 v3/v4,
 * Thread_V3_TypeGroup1, Image_Load, FileIo_Name, the TcpIp/UdpIp groups over IPv4 and IPv6: each
 * declares the fields every opcode of its group shares, and longer payloads are accepted) and the Win7+
 * manifest providers Microsoft-Windows-Kernel-Process and -Kernel-Network. Most frequent first (the
 * decoder tries them in order).
 */
const variants: Record<string, VariantSpec> = {
  image: {
    tag: tags(IMAGE, [2, 3, 4, 10], FROM(2)),
    fields: [ptr('imageBase'), ptr('imageSize'), u32('processId'), u32('imageCheckSum'), u32('timeDateStamp'), hidden(u32('reserved0')), hidden(ptr('defaultBase')), hidden({ name: 'reserved', type: bytes(16) }), { name: 'fileName', type: utf16() }],
  },
  fileName: { tag: tags(FILEIO, [0, 32, 35, 36], FROM(2)), fields: [ptr('fileObject'), { name: 'fileName', type: utf16() }] },
  thread: {
    tag: tags(THREAD, [1, 2, 3, 4], FROM(3)),
    fields: [
      u32('processId'), u32('threadId'), ...['stackBase', 'stackLimit', 'userStackBase', 'userStackLimit', 'affinity'].map((n) => hidden(ptr(n))),
      ptr('win32StartAddr'), ptr('tebBase'), hidden(u32('subProcessTag')), u8('basePriority'), u8('pagePriority'), u8('ioPriority'),
    ],
  },
  // Thread v2 (Vista, 7) and Kernel-Process thread events: the ids every form starts with.
  threadIds: { tag: [...tags(THREAD, [1, 2, 3, 4], [2]), ...manifest(KERNEL_PROCESS, [[3, 1], [4, 2]], [0, 1])], fields: [u32('processId'), u32('threadId')] },
  process: {
    tag: tags(PROCESS, [1, 2, 3, 4, 39], FROM(4)),
    fields: [...processHead, u32('flags'), { name: 'userSid', type: 'sid' }, { name: 'imageFileName', type: utf8() }, { name: 'commandLine', type: utf16() }, { name: 'packageFullName', type: utf16() }, { name: 'applicationId', type: utf16() }],
  },
  processV3: {
    tag: tags(PROCESS, [1, 2, 3, 4, 39], [3]),
    fields: [...processHead, { name: 'userSid', type: 'sid' }, { name: 'imageFileName', type: utf8() }, { name: 'commandLine', type: utf16() }],
  },
  processTerminate: { tag: tags(PROCESS, [11], FROM(2)), fields: [u32('processId')] },
  net4: {
    tag: [...tags(TCPIP, TCP_OPS, FROM(2)), ...tags(UDPIP, [10, 11], FROM(2)), ...manifest(KERNEL_NETWORK, [...TCP_OPS.map((o) => [o, o] as [number, number]), [42, 42], [43, 43]], [0, 1, 2])],
    fields: netFields('ip4'),
  },
  net6: {
    tag: [...tags(TCPIP, TCP_OPS.map((o) => o + 16), FROM(2)), ...tags(UDPIP, [26, 27], FROM(2)), ...manifest(KERNEL_NETWORK, [...TCP_OPS.map((o) => [o + 16, o] as [number, number]), [58, 42], [59, 43]], [0, 1, 2])],
    fields: netFields('ip6'),
  },
  // Microsoft-Windows-Kernel-Process (Win7+): ProcessStart v0, v1+ with Flags; ProcessStop v1+; ImageLoad/Unload v0.
  kpProcessStart: { tag: manifest(KERNEL_PROCESS, [[1, 1]], [0]), fields: [u32('processId'), u64('createTime'), u32('parentProcessId'), u32('sessionId'), { name: 'imageName', type: utf16() }] },
  kpProcessStartV1: { tag: manifest(KERNEL_PROCESS, [[1, 1]], FROM(1)), fields: [u32('processId'), u64('createTime'), u32('parentProcessId'), u32('sessionId'), u32('flags'), { name: 'imageName', type: utf16() }] },
  kpProcessStop: {
    tag: manifest(KERNEL_PROCESS, [[2, 2]], FROM(1)),
    fields: [
      u32('processId'), u64('createTime'), u64('exitTime'), u32('exitCode'), hidden(u32('tokenElevationType')), hidden(u32('handleCount')),
      ...['commitCharge', 'commitPeak', 'cpuCycleCount'].map((n) => hidden(u64(n))), ...['readOperationCount', 'writeOperationCount', 'readTransferKiloBytes', 'writeTransferKiloBytes', 'hardFaultCount'].map((n) => hidden(u32(n))),
      { name: 'imageName', type: utf8() },
    ],
  },
  kpImage: { tag: manifest(KERNEL_PROCESS, [[5, 0], [6, 0]], [0]), fields: [ptr('imageBase'), ptr('imageSize'), u32('processId'), u32('imageCheckSum'), u32('timeDateStamp'), hidden(ptr('defaultBase')), { name: 'imageName', type: utf16() }] },
};

export const etwKind = defineKind({
  name: 'etw', sourceId: ETW_SOURCE_ID, layoutVersion: 1,
  // kinds/etw-frame.ts: the 56-byte header every ETW producer writes, then the event's user data.
  layout: {
    name: 'etw', packed: true, trailing: 'ignore', pointer: { flag: ETW_FRAME_PTR32 }, hooks: 'etw-hooks', filter: 'etwKeep',
    fields: [
      { name: 'time', type: 'u64' }, { name: 'rawTime', type: 'i64' }, { name: 'guid', type: bytes(16) },
      u32('pid'), u32('tid'), u16('eventClass'), u16('eventId'), u16('hookId'), u8('opcode'), u8('version'), u8('level'), u8('headerType'),
      u16('cpu'), u16('etwFlags'), u16('userDataLength'),
    ],
    union: { on: ['eventClass', 'opcode', 'eventId', 'version'], variants },
  },
  time: 'time',
  sourceFunctions: false, // etw.fromEtl() (etw-etl.ts); the live session is issue 13's
  hookExports: ['etwKnow', 'etwPidAt', 'etwFilterKeys', 'etwFilterAllow', 'etwFilterPid', 'etwUnknown', 'etwUserFiltered', 'etwKeyCount'],
  heap: { bytesPerRecord: 256, max: 65536 },
  event: (b: EtwBatch, i: number): EtwEvent => etwEvent(b, i),
  cli: {
    columns: [
      { header: 'TIME', width: 16, value: (e: EtwEvent) => e.ts.slice(11, 26) },
      { header: 'TYPE', width: 17, value: (e: EtwEvent) => e.type },
      { header: 'PID', width: 7, value: (e: EtwEvent) => (e.pid === undefined ? '-' : String(e.pid)) },
      { header: 'TID', width: 7, value: (e: EtwEvent) => (e.tid === undefined ? '-' : String(e.tid)) },
      { header: 'CPU', width: 4, value: (e: EtwEvent) => String(e.cpu) },
      { header: 'DETAIL', width: 0, value: (e: EtwEvent) => etwDetail(e) },
    ],
  },
  doc: {
    summary: 'Windows kernel events (process, thread, image, file name, TCP/UDP) from ETW.',
    example: "etw.fromEtl('trace.etl').pipe(toEvents()).subscribe((e) => console.log(e.type, e.pid));",
  },
});
setEtwLayout(etwKind.layout);
