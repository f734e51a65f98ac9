// Writes decoded events in the format the command line chose: aligned columns (a header per source),
// JSON lines, or a stream of MessagePack maps. Live commands and replay share it.
import { EventEncoder } from 'kwire';
import type { CommonOptions } from './common-options.js';
import { jsonLine, tableHeader, tableRow, writeOut, type Column } from './output.js';

export interface EventWriter {
  /** Before the first batch of `source` (prints its table header). */
  start(source: string): void;
  batch(source: string, events: Iterable<unknown>): void;
}

/** `shapes`: per source, the object written as JSON or MessagePack instead of the event itself.
 *  `tagged`: the table mixes sources: each row starts with its source's name, and each source's header
 *  (so tagged) is printed once, before its first row. */
export function eventWriter(
  options: Pick<CommonOptions, 'json' | 'msgpack' | 'addresses'>,
  tables: Readonly<Record<string, readonly Column<never>[]>>,
  shapes: Readonly<Record<string, (event: never) => object>> = {},
  tagged = false,
): EventWriter {
  const shapeOf = (source: string) => shapes[source] as ((event: unknown) => object) | undefined;
  const shaped = (source: string, batch: Iterable<unknown>): Iterable<object> => {
    const shape = shapeOf(source);
    return shape ? [...batch].map(shape) : (batch as Iterable<object>);
  };
  if (options.msgpack) {
    const encoder = new EventEncoder({ addresses: options.addresses });
    return { start: () => {}, batch: (source, batch) => writeOut(encoder.encodeAll(shaped(source, batch))) };
  }
  if (options.json) {
    return {
      start: () => {},
      batch: (source, batch) => {
        const shape = shapeOf(source);
        let out = '';
        for (const event of batch) out += jsonLine(shape ? shape(event) : (event as object)) + '\n';
        writeOut(out);
      },
    };
  }
  let current: string | undefined;
  const headed = new Set<string>();
  const tagWidth = Math.max(...Object.keys(tables).map((n) => n.length), 4) + 1;
  const tag = (source: string) => (tagged ? source.padEnd(tagWidth) : '');
  return {
    start(source) {
      if (tagged ? headed.has(source) : current === source) return;
      current = source;
      headed.add(source);
      const columns = tables[source];
      writeOut(tag(source) + (columns ? tableHeader(columns) : source.toUpperCase()) + '\n');
    },
    batch(source, batch) {
      this.start(source);
      const columns = tables[source] as readonly Column<unknown>[] | undefined;
      let out = '';
      for (const event of batch) out += tag(source) + (columns ? tableRow(columns, event) : jsonLine(event as object)) + '\n';
      writeOut(out);
    },
  };
}
