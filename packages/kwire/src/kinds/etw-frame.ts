// The ETW event frame: what every ETW producer writes into the shared ring, one frame per event, and the
// one thing the etw decoder reads. Two producers write it:
//   - the .etl file producer (assembly/etl/, kinds/etw-etl.ts), from the records of a trace file;
//   - the live Windows session (issue 13, native/win/), from the EVENT_RECORD of its ProcessTrace callback.
// Both must write the same bytes for the same event, so that the same decoder (kinds/etw.ts) serves both.
//
// A ring frame is `u32 length | u16 source | u16 flags | payload`, padded to 8 bytes
// (native/src/ring/shared_ring_layout.h). For ETW:
//   length  = ETW_HEADER_SIZE + userDataLength (exactly: no padding counted)
//   source  = ETW_SOURCE_ID (12, SourceId.etw)
//   flags   = ETW_FRAME_PTR32 (0x0001) when the event's writer used 4-byte pointers, else 0.
//             The decoder's 'ptr' and 'sid' fields read this bit (layout `pointer: { flag: 0x1 }`).
//             Every other bit is 0 (0x8000 is the ring's wrap marker).
//
// The payload: a 56-byte header, little-endian, no padding, then the event's user data.
//
//  off size field           meaning                                   .etl record          live EVENT_RECORD (r)
//  --- ---- --------------- ----------------------------------------- -------------------- ---------------------------------
//    0   8  time            wall clock: FILETIME, 100 ns since         logfile clock:       r.EventHeader.TimeStamp (a FILETIME
//                           1601-01-01 UTC (u64)                       StartTime + (raw -    when the session is opened without
//                                                                      raw0)·10^7/freq      PROCESS_TRACE_MODE_RAW_TIMESTAMP)
//    8   8  rawTime         the timestamp as the header holds it       header TimeStamp /   r.EventHeader.TimeStamp
//                           (clock ticks: QPC, system time or cycles)  SystemTime
//   16  16  guid            class GUID (classic) or provider GUID      FULL/INSTANCE/EVENT: r.EventHeader.ProviderId
//                           (manifest), as the GUID struct lies in     the header's GUID;
//                           memory: u32 Data1, u16 Data2, u16 Data3    SYSTEM/PERFINFO: the
//                           (little-endian), u8 Data4[8]               class GUID of the
//                                                                      normalised class (ETW_CLASSES), or zero
//   32   4  pid             process id; 0xFFFFFFFF: the header has     header PID, or       r.EventHeader.ProcessId
//                           none (PERFINFO headers)                    0xFFFFFFFF
//   36   4  tid             thread id; 0xFFFFFFFF: none                header TID, or ~0    r.EventHeader.ThreadId
//   40   2  eventClass      THE NORMALISED CLASS the decoder keys on (see below)          ETW_CLASSES by ProviderId
//   42   2  eventId         EVENT_DESCRIPTOR.Id; 0 for classic events  EVENT_HEADER Id      Descriptor.Id (0 when CLASSIC)
//   44   2  hookId          (group << 8) | opcode, as a classic        SYSTEM/PERFINFO      (eventClass << 8) | opcode when
//                           header wrote it; 0 for manifest events.    HookId; FULL: from   CLASSIC and eventClass < 0x100,
//                           Informational (counts, raw views): the     the class, as live   else 0
//                           decoder never keys on it
//   46   1  opcode          event type / opcode (normalised, below)    HookId & 0xFF,       Descriptor.Opcode
//                                                                      Class.Type, Opcode
//   47   1  version         event (MOF class or manifest) version      Version & 0xFF       Descriptor.Version
//   48   1  level           level; 0 where the header has none         FULL/EVENT: Level    Descriptor.Level
//   49   1  headerType      TRACE_HEADER_TYPE of the original record   marker bits 23..16   0x12 / 0x13 (EVENT_HEADER32/64 by
//                           (0x01 SYSTEM32 … 0x15 INSTANCE64, FORMAT)                       EVENT_HEADER_FLAG_32/64_BIT_HEADER)
//   50   2  cpu             processor index                            buffer header's      r.BufferContext.ProcessorIndex
//                                                                      ProcessorNumber/Index
//   52   2  etwFlags        ETW_FLAG_* bits below
//   54   2  userDataLength  bytes of user data after this header       the record's size    r.UserDataLength
//                                                                      less its header and
//                                                                      extended items
//   56   …  user data       the MOF / manifest payload, as written     payload              r.UserData (UserDataLength bytes)
//
// etwFlags:
//   0x0001 ETW_FLAG_PTR32     4-byte pointers in the user data (the same bit as the ring frame flag).
//                             .etl: a *32 header type; live: EVENT_HEADER_FLAG_32_BIT_HEADER.
//   0x0002 ETW_FLAG_CLASSIC   a classic (MOF) event: SYSTEM, COMPACT, PERFINFO, FULL or INSTANCE header;
//                             live: EVENT_HEADER_FLAG_CLASSIC_HEADER.
//   0x0004 ETW_FLAG_RUNDOWN   a rundown event: opcode 3 (DCStart) or 4 (DCEnd) of the Process, Thread or
//                             Image class, or FileIo opcode 36 (FileRundown). Both producers set it by this
//                             rule, from eventClass and opcode (ETW_RUNDOWN below).
//   0x0008 ETW_FLAG_NO_PID    the header carries no pid/tid (PERFINFO): pid and tid are 0xFFFFFFFF.
//   0x0010 ETW_FLAG_EXTENDED  the record had extended data items (EVENT_HEADER_FLAG_EXTENDED_INFO); they are
//                             not in the frame.
//   Other bits: 0.
//
// Normalisation: classic hook ids and GUIDs meet in `eventClass` (GUIDs are mapped to groups).
//   - eventClass 0x0000..0x00FF: a kernel event class, numbered by its EVENT_TRACE_GROUP_* (the high byte
//     of a classic HookId): 0x03 Process, 0x05 Thread, 0x14 Image, 0x04 FileIo, 0x06 TcpIp, 0x08 UdpIp, …
//     A SYSTEM/PERFINFO record takes it from HookId >> 8; a FULL/INSTANCE record or a live EVENT_RECORD
//     takes it from its GUID through ETW_CLASSES. One exception, so that both reach the Image decoder:
//     the image-load hook 0x030A (Process group, WMI_LOG_TYPE_PROCESS_LOAD_IMAGE) becomes eventClass
//     0x14 (Image), opcode 10, as the live session reports it (Image class GUID, opcode 10).
//   - eventClass 0x0100..0x01FF: manifest providers kwire decodes (ETW_PROVIDERS): 0x0101
//     Microsoft-Windows-Kernel-Process, 0x0102 Microsoft-Windows-Kernel-Network. Their decoders key on
//     eventId (opcode as written).
//   - eventClass 0xFFFF: any other GUID (user providers, CLR, TraceLogging). Decoded raw only.
//   The decoder dispatches on (eventClass, opcode, eventId). hookId never selects a decoder.
// No imports: the kind's declaration (kinds/etw.ts) imports this file, and declarations import nothing generated.

/**
 * Bytes of the ETW frame header before the user data.
 *
 * @example
 * const userData = payload.subarray(ETW_HEADER_SIZE);
 */
export const ETW_HEADER_SIZE = 56;

/**
 * Ring frame flag: the writer used 4-byte pointers (the etw layout's pointer flag).
 *
 * @example
 * const ptr32 = (frame.flags & ETW_FRAME_PTR32) !== 0;
 */
export const ETW_FRAME_PTR32 = 0x0001;

/**
 * Byte offsets of the ETW frame header's fields (see the comment at the top of etw-frame.ts).
 *
 * @example
 * const pid = new DataView(payload.buffer, payload.byteOffset).getUint32(EtwFrame.pid, true);
 */
export const EtwFrame = {
  time: 0, rawTime: 8, guid: 16, pid: 32, tid: 36, eventClass: 40, eventId: 42, hookId: 44,
  opcode: 46, version: 47, level: 48, headerType: 49, cpu: 50, etwFlags: 52, userDataLength: 54,
} as const;

/**
 * etwFlags bits of the ETW frame header.
 *
 * @example
 * const rundown = (view.getUint16(EtwFrame.etwFlags, true) & EtwFlag.rundown) !== 0;
 */
export const EtwFlag = { ptr32: 0x0001, classic: 0x0002, rundown: 0x0004, noPid: 0x0008, extended: 0x0010 } as const;

/** pid / tid of an event whose header carries none (PERFINFO). */
export const ETW_NO_ID = 0xffffffff;

/** eventClass of an event of a GUID kwire does not know. */
export const ETW_UNKNOWN_CLASS = 0xffff;

/**
 * The kernel event classes: eventClass (EVENT_TRACE_GROUP_*) ↔ class GUID.
 *
 * @example
 * const process = ETW_CLASSES.find((c) => c.name === 'Process')!.eventClass; // 0x03
 */
export const ETW_CLASSES: readonly { readonly eventClass: number; readonly name: string; readonly guid: string }[] = [
  { eventClass: 0x00, name: 'EventTrace', guid: '68fdd900-4a3e-11d1-84f4-0000f80464e3' },
  { eventClass: 0x01, name: 'DiskIo', guid: '3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c' },
  { eventClass: 0x02, name: 'PageFault', guid: '3d6fa8d3-fe05-11d0-9dda-00c04fd7ba7c' },
  { eventClass: 0x03, name: 'Process', guid: '3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c' },
  { eventClass: 0x04, name: 'FileIo', guid: '90cbdc39-4a3e-11d1-84f4-0000f80464e3' },
  { eventClass: 0x05, name: 'Thread', guid: '3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c' },
  { eventClass: 0x06, name: 'TcpIp', guid: '9a280ac0-c8e0-11d1-84e2-00c04fb998a2' },
  { eventClass: 0x08, name: 'UdpIp', guid: 'bf3a50c5-a9c9-4988-a005-2df0b7c80f80' },
  { eventClass: 0x09, name: 'Registry', guid: 'ae53722e-c863-11d2-8659-00c04fa321a1' },
  { eventClass: 0x0b, name: 'SystemConfig', guid: '01853a65-418f-4f36-aefc-dc0f1d2fd235' },
  { eventClass: 0x0f, name: 'PerfInfo', guid: 'ce1dbfb4-137e-4da6-87b0-3f59aa102cbc' },
  { eventClass: 0x14, name: 'Image', guid: '2cb15d1d-5fc1-11d2-abe1-00a0c911f518' },
  { eventClass: 0x18, name: 'StackWalk', guid: 'def2fe46-7bd6-4b80-bd94-f57fe20d0ce3' },
  { eventClass: 0x1a, name: 'ALPC', guid: '45d8cccd-539f-4b72-a8b7-5c683142609a' },
];

/**
 * The manifest providers kwire decodes: eventClass ↔ provider GUID.
 *
 * @example
 * ETW_PROVIDERS.map((p) => p.name);
 */
export const ETW_PROVIDERS: readonly { readonly eventClass: number; readonly name: string; readonly guid: string }[] = [
  { eventClass: 0x101, name: 'Microsoft-Windows-Kernel-Process', guid: '22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716' },
  { eventClass: 0x102, name: 'Microsoft-Windows-Kernel-Network', guid: '7dd42a49-5329-4832-8dfd-43d979153a88' },
];

/** Classic hook id of image load, in the Process group; normalised to (Image, 10). */
export const ETW_HOOK_IMAGE_LOAD = 0x030a;

/** Whether (eventClass, opcode) is a rundown event (the ETW_FLAG_RUNDOWN rule). */
export const ETW_RUNDOWN = (eventClass: number, opcode: number): boolean =>
  ((eventClass === 0x03 || eventClass === 0x05 || eventClass === 0x14) && (opcode === 3 || opcode === 4)) || (eventClass === 0x04 && opcode === 36);

/** The ring frame source id of ETW frames (SourceId.etw). */
export const ETW_SOURCE_ID = 12;

/**
 * The 16 bytes of a GUID as a GUID struct lies in memory (Data1..3 little-endian), from its text form.
 *
 * @example
 * guidBytes('3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c')[0] === 0xd0;
 */
export function guidBytes(text: string): Uint8Array {
  const h = text.replace(/-/g, '');
  const b = Uint8Array.from({ length: 16 }, (_, i) => parseInt(h.slice(i * 2, i * 2 + 2), 16));
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

/**
 * A GUID's text form from its 16 bytes as the GUID struct lies in memory.
 *
 * @example
 * guidText(guidBytes(ETW_CLASSES[3]!.guid)) === '3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c';
 */
export function guidText(bytes: Uint8Array): string {
  const x = (i: number) => bytes[i]!.toString(16).padStart(2, '0');
  const r = (...idx: number[]) => idx.map(x).join('');
  return `${r(3, 2, 1, 0)}-${r(5, 4)}-${r(7, 6)}-${r(8, 9)}-${r(10, 11, 12, 13, 14, 15)}`;
}
