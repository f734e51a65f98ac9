// defineDecoder(layout): a RecordDecoder for a user's own layout (a fixed struct, or a message with
// variable strings, pointer-width fields or a tagged union: layout.ts), compiled at run time
// (layout/compile.ts) and usable wherever a built-in one is: source({ object, map, decoder }),
// FrameDecoder for captures and tests.
import type { RecordDecoder } from '../pipeline/record-decoder.js';
import { compileDecoders } from './compile.js';
import { defineLayout, type Layout, type LayoutSpec } from './layout.js';
import { LayoutBatch } from './layout-batch.js';
import { checkInteger, checkOptions, checkString, invalidArgument } from '../validate.js';

/**
 * The frame source id of user decoders unless told otherwise (built-ins use 1..255).
 *
 * @example
 * const decoder = await defineDecoder(spec, { sourceId: USER_SOURCE_ID + 1 });
 */
export const USER_SOURCE_ID = 0x100;

export interface DefineDecoderOptions {
  /** Frame source id (u16) the decoder accepts; source() tags frames with it. Default: 0x100. */
  sourceId: number;
  /** Where compiled decoders are cached. Default: $KWIRE_CACHE_DIR, else ~/.cache/kwire. */
  cacheDir: string;
  /** String-heap bytes budgeted per record in a batch (layouts with a tail or variable fields). Default: 512. */
  tailBytesPerRecord: number;
  /** The most heap bytes one record can use (its tail, or its variable fields together). Default: 65536. */
  tailMax: number;
}

export interface LayoutDecoder<Row> extends RecordDecoder<LayoutBatch<Row>> {
  readonly layout: Layout;
  readonly sourceId: number;
  readonly module: () => WebAssembly.Module;
  /** Where the compiled decoder is cached, and whether this call found it there. */
  readonly wasmPath: string;
  readonly cached: boolean;
}

/**
 * A record decoder for your own layout (a fixed struct, or one with variable strings, pointer-width
 * fields or a tagged union), compiled to WebAssembly at run time and cached; usable wherever a built-in
 * decoder is: `source({ object, map, decoder })`, {@link FrameDecoder}.
 *
 * @example
 * const decoder = await defineDecoder<{ pid: number }>({ name: 'hit', fields: [{ name: 'pid', type: 'u32' }] });
 * @throws KwireError EINVAL_ARGUMENT (the promise rejects) for a bad layout or option, or a decoder
 *   AssemblyScript cannot compile.
 */
export async function defineDecoder<Row = Record<string, unknown>>(
  layout: Layout | LayoutSpec,
  options: Readonly<Partial<DefineDecoderOptions>> = {},
): Promise<LayoutDecoder<Row>> {
  const where = 'defineDecoder()';
  if (typeof layout !== 'object' || layout === null) invalidArgument(where, `layout must be a Layout (defineLayout(), layoutFromBtf()) or a layout spec, got ${layout === null ? 'null' : typeof layout}`);
  const l = 'align' in layout && 'struct' in layout ? layout : defineLayout(layout as LayoutSpec);
  checkOptions(where, options);
  const { sourceId = USER_SOURCE_ID, tailBytesPerRecord = 512, tailMax = 65536 } = options;
  checkInteger(where, 'sourceId', sourceId, 1, 0xffff);
  checkInteger(where, 'tailBytesPerRecord', tailBytesPerRecord, 1, 1 << 20, '2^20');
  checkInteger(where, 'tailMax', tailMax, 1, 1 << 24, '2^24');
  if (options.cacheDir !== undefined) checkString(where, 'cacheDir', options.cacheDir);
  const compiled = await compileDecoders([{ layout: l, sourceId }], options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir });
  const module = new WebAssembly.Module(compiled.wasm);
  const fn = (d: { exports: unknown }, name: string) => (d.exports as Record<string, (...a: number[]) => number>)[`${l.name}${name}`]!;
  return {
    source: l.name,
    sourceId,
    layout: l,
    module: () => module,
    wasmPath: compiled.path,
    cached: compiled.cached,
    init: (d, batchSize) => fn(d, 'Init')(batchSize, Math.max(tailMax, batchSize * tailBytesPerRecord)),
    decode: (d) => fn(d, 'Decode')(),
    status: (d) => fn(d, 'Status')(),
    errors: (d, code) => fn(d, 'Errors')(code),
    batch: (d, n) => LayoutBatch.fromDecoder<Row>(l, d, n),
  };
}
