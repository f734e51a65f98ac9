// How each kind's events look on the command line, shared by the live commands and replay: the text
// columns and JSON/MessagePack shapes each kind declares (packages/kwire/src/kinds/<kind>.ts, or a
// module named in KWIRE_KINDS: kinds.ts), with times on the clock boot-time.ts keeps (this machine's,
// or a replayed capture's).
import { builtinKinds, jsonShape, type AnyKind, type TimeFormat } from 'kwire/gen';
import { bootTimeNs } from 'kwire';
import { bootTimeToDate, bootTimeToEpochNs, clockTime } from './boot-time.js';
import type { TimeColumn } from './common-options.js';
import type { Column } from './output.js';

const time: TimeFormat = { clock: clockTime, toDate: bootTimeToDate };

/** Text columns per kind name. */
export const tables: Record<string, readonly Column<never>[]> = {};

/** JSON and MessagePack shapes per kind: one rule for every kind (jsonShape: 64-bit values, ts and time). */
export const shapes: Record<string, (event: never) => object> = {};

const known: AnyKind[] = [];
let timeColumn: TimeColumn = 'clock';
let startedNs: bigint | undefined;

/** The TIME column of every kind's table as --time-format or -t say ('since-start': from the first call). */
export function setTimeColumn(format: TimeColumn): void {
  timeColumn = format;
  if (format === 'since-start') startedNs = bootTimeNs();
  for (const kind of known) addKindTables(kind, false);
}

const millis = (ns: bigint) => (Number(ns / 1000n) / 1e6).toFixed(3);
const timeCell: Record<Exclude<TimeColumn, 'none'>, { width: number; header: string; text(bootNs: bigint): string }> = {
  clock: { width: 8, header: 'TIME', text: (ns) => clockTime(ns) },
  iso: { width: 24, header: 'TIME', text: (ns) => new Date(Number(bootTimeToEpochNs(ns) / 1_000_000n)).toISOString() },
  boot: { width: 12, header: 'TIME(s)', text: millis },
  'since-start': { width: 10, header: 'TIME(s)', text: (ns) => millis(ns - (startedNs ?? 0n)) },
};

function columnsOf(kind: AnyKind): Column<never>[] {
  const columns = kind.cli!.columns.filter((c) => !(c.header === 'TIME' && timeColumn === 'none'));
  return columns.map((c) => {
    if (c.header !== 'TIME' || timeColumn === 'clock' || timeColumn === 'none') return { header: c.header, width: c.width, value: (e: never) => c.value(e, time) };
    const cell = timeCell[timeColumn];
    // the kind's TIME column, on another clock: its value through a TimeFormat whose clock is that one
    const other: TimeFormat = { clock: cell.text, toDate: bootTimeToDate };
    return { header: cell.header, width: cell.width, value: (e: never) => c.value(e, other) };
  });
}

export function addKindTables(kind: AnyKind, remember = true): void {
  if (remember) known.push(kind);
  if (kind.cli) tables[kind.name] = columnsOf(kind);
  shapes[kind.name] = jsonShape(kind, bootTimeToEpochNs) as (event: never) => object;
}

for (const { kind } of builtinKinds) addKindTables(kind);

/** Adds a column after PID to the tables of `kinds` (--pidns's NSPID). */
export function addColumnAfterPid(kinds: readonly string[], column: Column<never>): void {
  for (const name of kinds) {
    const columns = tables[name];
    const at = columns?.findIndex((c) => c.header === 'PID') ?? -1;
    if (columns && at >= 0) tables[name] = [...columns.slice(0, at + 1), column, ...columns.slice(at + 1)];
  }
}
