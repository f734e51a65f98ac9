// How each source's events look on the command line, shared by the live commands and replay: text
// columns (one list per source) and, where the JSON/MessagePack fields differ from the event object,
// the shape written.
import { constants } from 'node:os';
import type { ExecEvent, ExitEvent, FlowEvent } from 'kwire';
import { bootTimeToDate, clockTime } from './boot-time.js';
import type { Column } from './output.js';

const quote = (s: string) => (s === '' || /[\s"'\\]/.test(s) ? JSON.stringify(s) : s);

export const execColumns: readonly Column<ExecEvent>[] = [
  { header: 'TIME', width: 8, value: (e) => clockTime(e.ts) },
  { header: 'PCOMM', width: 16, value: (e) => e.comm },
  { header: 'PID', width: 7, value: (e) => String(e.pid) },
  { header: 'PPID', width: 7, value: (e) => String(e.ppid) },
  { header: 'UID', width: 6, value: (e) => String(e.uid) },
  { header: 'ARGS', width: 0, value: (e) => [e.filename, ...e.argv.slice(1)].map(quote).join(' ') + (e.truncated ? ' ...' : '') },
];

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export function exitText(e: ExitEvent): string {
  if (e.signal === 0) return `code ${e.exitCode}`;
  return `signal ${e.signal} (${signalNames.get(e.signal) ?? '?'})${e.coreDump ? ' +core' : ''}`;
}

export const exitColumns: readonly Column<ExitEvent>[] = [
  { header: 'TIME', width: 8, value: (e) => clockTime(e.exitTime) },
  { header: 'PCOMM', width: 16, value: (e) => e.comm },
  { header: 'PID', width: 7, value: (e) => String(e.pid) },
  { header: 'PPID', width: 7, value: (e) => String(e.ppid) },
  { header: 'TID', width: 7, value: (e) => String(e.tid) },
  { header: 'AGE(s)', width: 8, value: (e) => (Number(e.exitTime - e.startTime) / 1e9).toFixed(2) },
  { header: 'EXIT', width: 0, value: exitText },
];

const protoNames: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmp6', 132: 'sctp' };
const endpoint = (addr: string, port: number) => (port ? (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`) : addr);

export const flowColumns: readonly Column<FlowEvent>[] = [
  { header: 'KIND', width: 7, value: (e) => e.kind },
  { header: 'PROTO', width: 5, value: (e) => protoNames[e.proto] ?? String(e.proto) },
  { header: 'SRC', width: 26, value: (e) => endpoint(e.srcAddr, e.srcPort) },
  { header: 'DST', width: 26, value: (e) => endpoint(e.dstAddr, e.dstPort) },
  { header: 'PKTS>', width: 7, value: (e) => String(e.packetsOrig) },
  { header: 'BYTES>', width: 10, value: (e) => String(e.bytesOrig) },
  { header: '<PKTS', width: 7, value: (e) => String(e.packetsRet) },
  { header: '<BYTES', width: 10, value: (e) => String(e.bytesRet) },
  // at the record's time (start is epoch ns, ts boot-time ns), so a replay shows the ages it recorded
  { header: 'AGE', width: 0, value: (e) => (Math.max(0, bootTimeToDate(e.ts).getTime() * 1e6 - Number(e.start)) / 1e9).toFixed(1) },
];

/** The flow JSON fields of DESIGN.md's CLI contract, in its order. */
export const flowJson = (e: FlowEvent) => ({
  type: 'flow',
  start: e.start, ts: e.ts, flowId: e.flowId, connmark: e.connmark, srcAddr: e.srcAddr, dstAddr: e.dstAddr, srcPort: e.srcPort,
  dstPort: e.dstPort, proto: e.proto, netns: e.netns, packetsOrig: e.packetsOrig, bytesOrig: e.bytesOrig, packetsRet: e.packetsRet,
  bytesRet: e.bytesRet, kind: e.kind,
});

/** Text columns per source name (as the CLI and captures name them). */
export const tables: Record<string, readonly Column<never>[]> = {
  exec: execColumns,
  exit: exitColumns,
  flows: flowColumns,
};

/** JSON and MessagePack shapes per source, where they are not the event object itself. */
export const shapes: Record<string, (event: never) => object> = {
  flows: flowJson,
};
