// The event object of an etw record (kinds/etw.ts): a `type` such as 'process-start', the header's time
// (ISO and raw), cpu, pid and tid, `rundown: true` for DCStart/DCEnd, and the variant's fields under the
// names the Linux events use (pid, ppid, imageName, commandLine, exitStatus, sid, sessionId; addresses
// as text, ports as numbers). Built from the batch's columns, never from record bytes.
import type { Column } from '../layout/columns.js';
import { layoutColumns } from '../layout/columns.js';
import type { Layout } from '../layout/layout.js';
import { fieldValue, varValue } from '../layout/values.js';
import { EtwFlag, ETW_NO_ID } from './etw-frame.js';

/** One ETW event: its type, time, cpu and ids, and the fields of its class. */
export interface EtwEvent {
  /** 'process-start', 'process-end', 'process-rundown', 'thread-start', 'image-load', 'file-create', 'tcp-send', … */
  type: string;
  /** Wall-clock time, ISO 8601 to 100 ns ('' when the file gave no clock). */
  ts: string;
  /** The timestamp as the event header holds it (clock ticks). */
  tsRaw: bigint;
  cpu: number;
  /** The process the event is about (from the payload where it says, else the header); absent when unknown. */
  pid?: number;
  tid?: number;
  /** A rundown (DCStart/DCEnd) event: the state at the trace's start or end, not a change. */
  rundown?: true;
  /** The class's fields (ppid, imageName, commandLine, exitStatus, sid, sessionId, saddr, sport, size, …). */
  [field: string]: unknown;
}

const TCP: Record<number, string> = { 10: 'send', 11: 'receive', 12: 'connect', 13: 'disconnect', 14: 'retransmit', 15: 'accept', 16: 'reconnect', 18: 'copy' };
const net = (proto: string, opcode: number) => `${proto}-${TCP[opcode >= 26 ? opcode - 16 : opcode] ?? `op${opcode}`}`;
const RUN: Record<number, string> = { 1: 'start', 2: 'end', 3: 'rundown', 4: 'rundown' };

/** The event type of a variant's record. */
function typeOf(variant: string, eventClass: number, opcode: number, eventId: number): string {
  switch (variant) {
    case 'process':
    case 'processV3':
      return opcode === 39 ? 'process-defunct' : `process-${RUN[opcode]}`;
    case 'processTerminate':
      return 'process-terminate';
    case 'thread':
      return `thread-${RUN[opcode]}`;
    case 'threadIds':
      return eventId === 3 ? 'thread-start' : eventId === 4 ? 'thread-end' : `thread-${RUN[opcode]}`;
    case 'image':
      return opcode === 10 ? 'image-load' : opcode === 2 ? 'image-unload' : 'image-rundown';
    case 'fileName':
      return ({ 0: 'file-name', 32: 'file-create', 35: 'file-delete', 36: 'file-rundown' } as Record<number, string>)[opcode]!;
    case 'net4':
    case 'net6':
      // Kernel-Network UDP events are ids 42/43 (58/59 over IPv6), with those opcodes
      if (eventId !== 0) return eventId >= 42 ? (opcode === 42 ? 'udp-send' : 'udp-receive') : net('tcp', opcode);
      return net(eventClass === 0x08 ? 'udp' : 'tcp', opcode);
    case 'kpProcessStart':
    case 'kpProcessStartV1':
      return 'process-start';
    case 'kpProcessStop':
      return 'process-end';
    default:
      return eventId === 5 ? 'image-load' : 'image-unload';
  }
}

/** Field renames to the names of kwire's events, per variant field name. */
const RENAME: Record<string, string> = {
  processId: 'pid', threadId: 'tid', parentId: 'ppid', parentProcessId: 'ppid', userSid: 'sid', imageFileName: 'imageName',
  imageCheckSum: 'checksum', exitCode: 'exitStatus',
};
/** Fields whose numbers are addresses: shown as hex text. */
const HEX = new Set(['imageBase', 'defaultBase', 'fileObject', 'stackBase', 'stackLimit', 'userStackBase', 'userStackLimit', 'affinity', 'win32StartAddr', 'tebBase', 'uniqueProcessKey', 'directoryTableBase']);
const NUMBER = new Set(['imageSize']);
const FILETIMES = new Set(['createTime', 'exitTime']);

const FILETIME_UNIX_EPOCH_MS = 11644473600000n;
/**
 * ISO 8601 text of a FILETIME (100 ns since 1601-01-01 UTC), to 100 ns; '' for 0.
 *
 * @example
 * filetimeIso(132273236277441234n) // '2020-02-28T09:03:47.7441234Z'
 */
export function filetimeIso(ft: bigint): string {
  if (ft <= 0n) return '';
  const ms = ft / 10000n - FILETIME_UNIX_EPOCH_MS;
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return '';
  return `${d.toISOString().slice(0, -1)}${String(ft % 10000n).padStart(4, '0')}Z`;
}

interface Reader {
  name: string;
  read(b: Record<string, unknown>, i: number): unknown;
}

/** How a column's value is read from a batch (generated property names: byte columns end in Bytes). */
function reader(c: Column, strings: () => string): Reader | undefined {
  if (c.role === 'field') {
    const f = c.field!;
    const prop = f.kind === 'cstring' || f.kind === 'ip4' || f.kind === 'ip6' || f.kind === 'ip' || f.kind === 'bytes' ? `${c.name}Bytes` : c.name;
    return { name: f.name, read: (b, i) => fieldValue(f, b[prop] as Uint8Array, i) };
  }
  if (c.role === 'varOffset') {
    const lengths = `${c.name.slice(0, -'Offset'.length)}Length`;
    const x = c.varField!;
    return { name: x.name, read: (b, i) => varValue(x, b[strings()] as Uint8Array, (b[c.name] as Uint32Array)[i]!, (b[lengths] as Uint32Array)[i]!) };
  }
  return undefined;
}

let plan: { variants: { name: string; fields: Reader[] }[] } | undefined;

function planFor(layout: Layout): NonNullable<typeof plan> {
  if (plan) return plan;
  const cols = layoutColumns(layout);
  const variants = layout.union!.variants.map((v) => ({
    name: v.name,
    fields: cols.filter((c) => c.variant === v).map((c) => reader(c, () => 'strings')).filter((r): r is Reader => r !== undefined),
  }));
  plan = { variants };
  return plan;
}

interface EtwColumns {
  readonly time: BigUint64Array;
  readonly rawTime: BigInt64Array;
  readonly pid: Uint32Array;
  readonly tid: Uint32Array;
  readonly cpu: Uint16Array;
  readonly opcode: Uint8Array;
  readonly eventId: Uint16Array;
  readonly eventClass: Uint16Array;
  readonly etwFlags: Uint16Array;
  readonly variant: Uint8Array;
}

/**
 * The event object of record i of an etw batch.
 *
 * @example
 * for (let i = 0; i < batch.length; i++) console.log(etwEvent(batch, i).type);
 */
export function etwEvent(batch: EtwColumns, i: number, layout?: Layout): EtwEvent {
  const p = planFor(layout ?? (batch as unknown as { layout?: Layout }).layout ?? etwLayout());
  const v = p.variants[batch.variant[i]!]!;
  const flags = batch.etwFlags[i]!;
  const e: EtwEvent = { type: typeOf(v.name, batch.eventClass[i]!, batch.opcode[i]!, batch.eventId[i]!), ts: filetimeIso(batch.time[i]!), tsRaw: batch.rawTime[i]!, cpu: batch.cpu[i]! };
  const pid = batch.pid[i]!;
  const tid = batch.tid[i]!;
  if (pid !== ETW_NO_ID) e.pid = pid;
  if (tid !== ETW_NO_ID) e.tid = tid;
  if (flags & EtwFlag.rundown) e.rundown = true;
  const b = batch as unknown as Record<string, unknown>;
  for (const f of v.fields) {
    let value = f.read(b, i);
    if (HEX.has(f.name)) value = `0x${(value as bigint).toString(16)}`;
    else if (NUMBER.has(f.name) || typeof value === 'bigint') value = FILETIMES.has(f.name) ? filetimeIso(value as bigint) : Number(value);
    e[(v.name === 'image' && f.name === 'fileName' ? 'imageName' : RENAME[f.name]) ?? f.name] = value;
  }
  return e;
}

// The layout, once the declaration has loaded (kinds/etw.ts imports this file: no cycle at load time).
let layoutRef: Layout | undefined;
/** @internal Set by kinds/etw-etl.ts from the kind's declaration. */
export function setEtwLayout(layout: Layout): void {
  layoutRef = layout;
}
function etwLayout(): Layout {
  if (!layoutRef) throw new Error('etw: the kind declaration is not loaded');
  return layoutRef;
}

/**
 * The one-line text of an event's class fields (the CLI's DETAIL column).
 *
 * @example
 * etwDetail({ type: 'tcp-send', ts: '', tsRaw: 0n, cpu: 0, saddr: '10.0.0.1', sport: 1, daddr: '10.0.0.2', dport: 2, size: 9 }) // '10.0.0.1:1 -> 10.0.0.2:2 size=9'
 */
export function etwDetail(e: EtwEvent): string {
  if (e.saddr !== undefined) return `${e.saddr}:${e.sport} -> ${e.daddr}:${e.dport} size=${e.size}`;
  const parts: string[] = [];
  if (e.ppid !== undefined) parts.push(`ppid=${e.ppid}`);
  if (e.exitStatus !== undefined && e.type !== 'process-start') parts.push(`exit=${e.exitStatus}`);
  const name = e.commandLine || e.imageName || e.fileName;
  if (name) parts.push(String(name));
  return parts.join(' ');
}
