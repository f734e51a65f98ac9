// kwire top's two views as lines of text: processes (running and recently ended, from processes()'
// table) and flows (the top talkers of the last window), each with its sort keys; and the header.
import { exitText, type ProcessRecord, type SourceHealth, type TopTalkers } from 'kwire';

export type ViewName = 'processes' | 'flows';

export interface TopState {
  view: ViewName;
  /** Index into the view's sort keys. */
  sort: number;
  reverse: boolean;
  /** 'live' or the replay's description. */
  mode: string;
  /** A line under it: why it is not live. */
  note?: string;
  running: () => readonly ProcessRecord[];
  ended: readonly ProcessRecord[];
  /** Boot-time ns now (live) or of the last event (replay). */
  now: () => bigint;
  user: (uid: number | undefined) => string;
  talkers?: TopTalkers;
  flowsNote?: string;
  health: readonly SourceHealth[];
}

interface Sort<T> {
  name: string;
  compare: (a: T, b: T) => number;
}

const protoNames: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmp6', 132: 'sctp' };
const rate = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const seconds = (ns: bigint) => (Number(ns) / 1e9).toFixed(2);
const endpoint = (addr: unknown, port: unknown) => (port ? (String(addr).includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`) : String(addr ?? '*'));

const processSorts: Sort<ProcessRecord>[] = [
  { name: 'start', compare: (a, b) => (b.start > a.start ? 1 : b.start < a.start ? -1 : 0) },
  { name: 'pid', compare: (a, b) => a.pid - b.pid },
  { name: 'time', compare: (a, b) => Number((b.duration ?? -1n) - (a.duration ?? -1n)) },
  { name: 'comm', compare: (a, b) => a.comm.localeCompare(b.comm) },
];

const flowSorts: Sort<TopTalkers['rows'][number]>[] = [
  { name: 'bytes/s', compare: (a, b) => b.bytesPerSecond - a.bytesPerSecond },
  { name: 'packets/s', compare: (a, b) => b.packetsPerSecond - a.packetsPerSecond },
  { name: 'dst', compare: (a, b) => endpoint(a.key.dstAddr, a.key.dstPort).localeCompare(endpoint(b.key.dstAddr, b.key.dstPort)) },
];

export function sortNames(view: ViewName): string[] {
  return (view === 'processes' ? processSorts : flowSorts).map((s) => s.name);
}

/** The whole frame: two header lines, the column header, the rows that fit. */
export function frame(state: TopState, rows: number): string[] {
  const names = sortNames(state.view);
  const sortName = `${names[state.sort % names.length]}${state.reverse ? ' (reversed)' : ''}`;
  const rates = state.health.map((h) => `${h.name} ${rate(h.receivedPerSecond)}/s${h.lossRatio > 0 ? ` LOSING ${(h.lossRatio * 100).toFixed(1)}%` : ''}`).join('  ');
  const head = [
    `\x00kwire top — ${state.mode}${rates ? `   ${rates}` : ''}`,
    ...(state.note ? [state.note] : []),
    `view: ${state.view} (p processes, f flows, Tab switch)   sort: ${sortName} (s next, r reverse)   q quit`,
  ];
  const body = state.view === 'processes' ? processLines(state, processSorts[state.sort % processSorts.length]!) : flowLines(state, flowSorts[state.sort % flowSorts.length]!);
  return [...head, ...body].slice(0, rows);
}

function processLines(state: TopState, sort: Sort<ProcessRecord>): string[] {
  const running = state.running();
  const all = [...running, ...state.ended];
  all.sort(sort.compare);
  if (state.reverse) all.reverse();
  const now = state.now();
  const lines = [`\x00${'PID'.padEnd(8)}${'PPID'.padEnd(8)}${'USER'.padEnd(10)}${'STATE'.padEnd(7)}${'TIME(s)'.padEnd(9)}${'EXIT'.padEnd(20)}${'COMM'.padEnd(17)}ARGS`];
  for (const p of all) {
    const time = p.duration !== undefined ? seconds(p.duration) : now > p.start ? seconds(now - p.start) : '-';
    const exit = p.end === undefined ? '' : exitText({ exitCode: p.exitCode ?? 0, signal: p.signal ?? 0, coreDump: p.coreDump ?? false });
    const state_ = p.end !== undefined ? 'exit' : p.preexisting ? 'run*' : 'run';
    lines.push(`${String(p.pid).padEnd(8)}${String(p.ppid).padEnd(8)}${state.user(p.uid).slice(0, 9).padEnd(10)}${state_.padEnd(7)}${time.padEnd(9)}${exit.padEnd(20)}${p.comm.padEnd(17)}${p.argv.join(' ')}`);
  }
  lines.push('', `${running.length} running (run*: running before kwire top started), ${state.ended.length} recently ended`);
  return lines;
}

function flowLines(state: TopState, sort: Sort<TopTalkers['rows'][number]>): string[] {
  const lines = [`\x00${'PROTO'.padEnd(7)}${'SRC'.padEnd(28)}${'DST'.padEnd(28)}${'BYTES/s'.padEnd(10)}${'PKTS/s'.padEnd(9)}${'BYTES'.padEnd(12)}RECORDS`];
  if (state.flowsNote) lines.push(state.flowsNote);
  const t = state.talkers;
  if (!t) return [...lines, 'waiting for the first window…'];
  const rows = [...t.rows].sort(sort.compare);
  if (state.reverse) rows.reverse();
  for (const r of rows) {
    const proto = protoNames[r.key.proto as number] ?? String(r.key.proto);
    lines.push(`${proto.padEnd(7)}${endpoint(r.key.srcAddr, undefined).padEnd(28)}${endpoint(r.key.dstAddr, r.key.dstPort).padEnd(28)}${rate(r.bytesPerSecond).padEnd(10)}${rate(r.packetsPerSecond).padEnd(9)}${String(r.bytes).padEnd(12)}${r.records}`);
  }
  lines.push('', `${t.keys} talkers in the last ${((t.end - t.start) / 1000).toFixed(1)} s, ${t.flows} flows followed${t.dropped.keys + t.dropped.flows > 0 ? `, not counted: ${t.dropped.keys} records (keys full), ${t.dropped.flows} (flows full)` : ''}`);
  return lines;
}
