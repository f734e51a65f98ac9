// The JSON (and MessagePack) object of any kind's event, by one rule read from the kind's declaration,
// so that every kind follows it (built-in, compiled at run time, or added later):
// - every 64-bit integer of the layout (u64, i64, also those decoded `as: 'f64'`) is a bigint: a decimal
//   string in JSON, a uint64/int64 in MessagePack; so is any other bigint of the event;
// - `ts` is the record's boot-time nanoseconds (the kind's declared time field), and `time`, right after
//   it, the same instant on the wall clock: ISO 8601, UTC, microseconds.
import type { AnyKind } from './kind.js';

// isoTime's last second and its text (YYYY-MM-DDTHH:MM:SS.).
let lastSecond: bigint | undefined;
let lastPrefix = '';

/**
 * An ISO 8601 UTC time with microseconds from nanoseconds since the epoch.
 *
 * @example
 * isoTime(1_700_000_000_123_456_789n) // '2023-11-14T22:13:20.123456Z'
 */
export function isoTime(epochNs: bigint): string {
  let sec = epochNs / 1_000_000_000n;
  let ns = epochNs % 1_000_000_000n;
  if (ns < 0n) (ns += 1_000_000_000n), (sec -= 1n);
  // Events come in time order, many per second: the date and time of day are formatted once a second.
  if (sec !== lastSecond) (lastPrefix = new Date(Number(sec) * 1000).toISOString().slice(0, 20)), (lastSecond = sec);
  return `${lastPrefix}${String(Math.floor(Number(ns) / 1000)).padStart(6, '0')}Z`;
}

/**
 * The JSON shape of `kind`'s events: its declared `cli.json` object (or the event), with 64-bit
 * integers as bigints and `ts`/`time` as the rule above says; `wallClock` turns boot-time nanoseconds
 * into nanoseconds since the epoch (this machine's clock, or a replayed capture's).
 *
 * @example
 * const shape = jsonShape(exitKind, (bootNs) => bootEpochNs + bootNs);
 * JSON.stringify(shape(event), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
 */
export function jsonShape(kind: AnyKind, wallClock: (bootNs: bigint) => bigint): (event: object) => object {
  const wide = new Set(kind.layout.fields.filter((f) => (f.kind === 'int' && f.size === 8) || (f.kind as string) === 'ptr').map((f) => f.name));
  const declared = kind.cli?.json as ((event: object) => object) | undefined;
  // Per event: one object out, no entries arrays and no closures (this runs for every line `kwire exec
  // --json` writes: CPU per event is one of issue 16's measures).
  const putTime = (out: Record<string, unknown>, ts: bigint): void => {
    out.ts = ts;
    out.time = isoTime(wallClock(ts));
  };
  return (event) => {
    const base = (declared ? declared(event) : event) as Record<string, unknown>;
    const at = (event as Record<string, unknown>)[kind.time];
    const ts = typeof at === 'bigint' ? at : typeof at === 'number' ? BigInt(at) : undefined;
    const out: Record<string, unknown> = {};
    if (!('ts' in base)) {
      // the kind's time field has another name (exit's exitTime): ts and time come after the type
      for (const key in base) {
        out[key] = wideValue(wide, key, base[key]);
        if (key === 'type' && ts !== undefined) putTime(out, ts);
      }
      if (!('time' in out) && ts !== undefined) putTime(out, ts);
      return out;
    }
    for (const key in base) {
      // an event whose ts is not the record's boot time (ETW's, a wall-clock time already) keeps it
      if (key === 'ts' && ts !== undefined) putTime(out, ts);
      else out[key] = wideValue(wide, key, base[key]);
    }
    return out;
  };
}

const wideValue = (wide: ReadonlySet<string>, key: string, value: unknown): unknown =>
  wide.has(key) && typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
