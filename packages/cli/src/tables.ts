// How each kind's events look on the command line, shared by the live commands and replay: the text
// columns and JSON/MessagePack shapes each kind declares (packages/kwire/src/kinds/<kind>.ts, or a
// module named in KWIRE_KINDS: kinds.ts), with times on the clock boot-time.ts keeps (this machine's,
// or a replayed capture's).
import { builtinKinds, jsonShape, type AnyKind, type TimeFormat } from 'kwire/gen';
import { bootTimeToDate, bootTimeToEpochNs, clockTime } from './boot-time.js';
import type { Column } from './output.js';

const time: TimeFormat = { clock: clockTime, toDate: bootTimeToDate };

/** Text columns per kind name. */
export const tables: Record<string, readonly Column<never>[]> = {};

/** JSON and MessagePack shapes per kind: one rule for every kind (jsonShape: 64-bit values, ts and time). */
export const shapes: Record<string, (event: never) => object> = {};

export function addKindTables(kind: AnyKind): void {
  if (kind.cli) tables[kind.name] = kind.cli.columns.map((c) => ({ header: c.header, width: c.width, value: (e: never) => c.value(e, time) }));
  shapes[kind.name] = jsonShape(kind, bootTimeToEpochNs) as (event: never) => object;
}

for (const { kind } of builtinKinds) addKindTables(kind);
