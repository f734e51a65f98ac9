// A record kind, declared once (kinds/<kind>.ts): its layout, frame source id, layout version, time
// field, event mapping, producer, capture options and command-line columns. The generators
// (layout/gen-kind.ts) read the declarations and write everything that mirrors them: the AssemblyScript
// decoder, the typed batch class, the RecordDecoder, the source functions, the source-id table and the
// capture registrations (packages/kwire/src/generated/).
import type { RawOpenOptions } from '../capture/registry.js';
import { KwireError } from '../errors.js';
import { defineLayout, type Layout, type LayoutSpec } from '../layout/layout.js';
import type { Producer } from './producer.js';
import { rawDecoder, type RawFrames } from './raw-frames.js';
import type { RecordDecoder } from './record-decoder.js';
import { kernelSource, type KernelSource } from './source.js';

/** How a source runs: its producer, shared ring size and batch size (from the caller's options). */
export interface SourcePlan {
  producer: Producer;
  ringCapacity: number;
  batchSize: number;
}

/** Time formatting a command-line column gets (the CLI sets the clock of a replayed capture). */
export interface TimeFormat {
  /** HH:MM:SS wall-clock time of a boot-time nanosecond timestamp. */
  clock(bootNs: bigint): string;
  /** The wall-clock Date of a boot-time nanosecond timestamp. */
  toDate(bootNs: bigint): Date;
}

/** A text column of a kind's command-line output: header, padding width and the cell of an event. */
export interface CliColumn<E> {
  header: string;
  /** Padding width; 0 for the last column. */
  width: number;
  /** The column's text for `event`. */
  value(event: E, time: TimeFormat): string;
}

/** A batch method computed from the columns, beside the generated ones (exec's filename(i)). */
export interface Accessor<B> {
  /** The TypeScript return type, as written in the generated class. */
  returns: string;
  /** The method's one-line doc comment in the generated class. Default: none beyond its name. */
  doc?: string;
  /** The accessor's value for record `index` of `batch`. */
  get(batch: B, index: number): unknown;
}

/** The declaration of a record kind, as {@link defineKind} takes it (kinds/<kind>.ts). */
export interface KindSpec<E, O, B> {
  /** The kind's one name: file stems, decoder exports, capture and CLI source names, event `type`. */
  name: string;
  /** Frame source id (u16, 1..255 for built-ins): unique among kinds. */
  sourceId: number;
  /** Version of the record layout; captures carry it and replay refuses other versions. Bump it with
   *  every change of the layout, with the C header's <KIND>_LAYOUT_VERSION. */
  layoutVersion: number;
  layout: LayoutSpec;
  /** The u64 field holding the record's boot-time nanosecond timestamp (per-chunk times of captures). */
  time: string;
  /** The BPF object in bpf/.output whose BTF must match the layout (test/generated.test.ts). */
  object?: string;
  /** One event object from record `index` of a batch. Default: the row with `type: <name>`. */
  event?: (batch: B, index: number) => E;
  /** Extra batch methods. */
  accessors?: Readonly<Record<string, Accessor<B>>>;
  /** The caller's options, checked (EINVAL_ARGUMENT naming `fn`), as a plan. Absent only for a kind
   *  whose source functions are hand-written and that is not captured. */
  open?: (options: Readonly<Partial<O>>, fn: string) => SourcePlan;
  /** Options of the live source a capture records, from the recorder's options. Absent: not captured. */
  capture?: (options: Readonly<RawOpenOptions>) => Partial<O>;
  /** false: the source functions are hand-written (a kind whose source is not one producer). */
  sourceFunctions?: false;
  /** Exports of the layout's hooks module that the decoders module exports too (flow's in-pass filter). */
  hookExports?: readonly string[];
  /** Layouts with a tail: string-heap bytes budgeted per record, and the longest tail of one record. */
  heap?: { bytesPerRecord: number; max: number };
  /** How the CLI prints the events: text columns, and the JSON/MessagePack object where it is not the event. */
  cli?: {
    /** The text columns. */
    columns: readonly CliColumn<E>[];
    /** The JSON/MessagePack object of an event, where it is not the event itself. */
    json?: (event: E) => object;
  };
  /** One sentence for the generated source functions' doc comments, and an example. */
  doc: { summary: string; example: string };
}

/** A checked record kind: its spec with the layout resolved. */
export interface Kind<E = unknown, O = unknown, B = unknown> extends Omit<KindSpec<E, O, B>, 'layout'> {
  readonly layout: Layout;
  readonly kind: true;
}

const IDENT = /^[a-z][A-Za-z0-9]*$/;

/**
 * Declares a record kind (kinds/<kind>.ts): checks the declaration and resolves its layout; the
 * generators, or {@link compileKind} at run time, do the rest.
 *
 * @example
 * export const toy = defineKind({ name: 'toy', sourceId: 0x200, layoutVersion: 1, time: 'ts',
 *   layout: { name: 'toy', fields: [{ name: 'ts', type: 'u64' }, { name: 'n', type: 'u32' }] },
 *   doc: { summary: 'Toy records.', example: "toys().subscribe(console.log);" } });
 * @throws KwireError EINVAL_ARGUMENT for a bad name, source id, layout version, layout or time field.
 */
export function defineKind<E, O, B>(spec: KindSpec<E, O, B>): Kind<E, O, B> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new KwireError('EINVAL_ARGUMENT', `defineKind(): the declaration must be an object { name, sourceId, layoutVersion, layout, time, open, doc }, got ${spec === null ? 'null' : typeof spec}`);
  }
  const bad = (message: string): never => {
    throw new KwireError('EINVAL_ARGUMENT', `defineKind(): kind ${String(spec.name)}: ${message}`);
  };
  if (!IDENT.test(spec.name)) bad('the name must be a lowerCamel identifier');
  if (!Number.isInteger(spec.sourceId) || spec.sourceId < 1 || spec.sourceId > 0xffff) bad(`sourceId must be a u16 above 0, got ${spec.sourceId}`);
  if (!Number.isInteger(spec.layoutVersion) || spec.layoutVersion < 1) bad(`layoutVersion must be a positive integer, got ${spec.layoutVersion}`);
  if (typeof spec.layout !== 'object' || spec.layout === null) bad('layout must be a layout spec { name, fields }');
  if (spec.layout.name !== spec.name) bad(`the layout's name must be the kind's name, got ${spec.layout.name}`);
  if (spec.open !== undefined && typeof spec.open !== 'function') bad('open must be a function (options, fn) => { producer, ringCapacity, batchSize }');
  if (spec.event !== undefined && typeof spec.event !== 'function') bad('event must be a function (batch, index) => event');
  const layout = defineLayout(spec.layout);
  const time = layout.fields.find((f) => f.name === spec.time);
  if (!time || time.kind !== 'int' || time.size !== 8) bad(`time must name a u64 field of the layout, got ${spec.time}`);
  return { ...spec, layout, kind: true };
}

/** Any kind, whatever its event, options and batch types (for code that handles every kind). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKind = Kind<any, any, any>;

/**
 * Whether `value` is a kind made by {@link defineKind} (what a module of kinds exports).
 *
 * @example
 * const kinds = Object.values(await import('./toy.kind.mjs')).filter(isKind);
 */
export const isKind = (value: unknown): value is AnyKind => typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === true && 'layoutVersion' in value;

/**
 * The byte offset of a kind's time field in its records.
 *
 * @example
 * const ts = new DataView(payload.buffer, payload.byteOffset).getBigUint64(timeOffset(kind), true);
 */
export const timeOffset = (kind: AnyKind): number => kind.layout.fields.find((f) => f.name === kind.time)!.offset;

/**
 * The source of a kind through `decoder` (its own, or rawDecoder for captures), from the caller's
 * `options` as the kind's `open` plans them; `fn` names the caller in messages.
 *
 * @example
 * const batches = kindSource(toy, compiled.decoder, { path: 'toys.bin' }, 'toys()');
 * @throws KwireError EINVAL_ARGUMENT for a kind without `open`, or options its `open` refuses; on
 *   subscribe, the producer's errors (PermissionError, KwireError ENATIVE or ENOT_BUILT).
 */
export function kindSource<B>(kind: AnyKind, decoder: RecordDecoder<B>, options: unknown, fn: string): KernelSource<B> {
  if (!kind.open) throw new KwireError('EINVAL_ARGUMENT', `${fn}: kind ${kind.name} declares no producer (open)`);
  const plan = (kind.open as (o: unknown, fn: string) => SourcePlan)(options, fn);
  return kernelSource({ producer: plan.producer, decoder, ringCapacity: plan.ringCapacity, batchSize: plan.batchSize });
}

/**
 * The kind's source as raw frames, undecoded (for captures).
 *
 * @example
 * kindRaw(toy, { path: 'toys.bin' }, 'toyRaw()').subscribe((chunk) => console.log(chunk.length, 'frames'));
 * @throws as {@link kindSource}.
 */
export function kindRaw(kind: AnyKind, options: unknown, fn: string): KernelSource<RawFrames> {
  return kindSource(kind, rawDecoder(kind.name, kind.sourceId), options, fn);
}
