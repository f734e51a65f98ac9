// A record kind declared outside kwire (a user's own producer, a test's toy kind): its decoder compiled
// at run time instead of generated at build time, its batches LayoutBatches whose get() is the kind's
// event mapping, its capture registered for record and replay. What generated/<kind>.ts is for a
// built-in kind, in one call.
import { registerKindCapture } from '../capture/registry.js';
import { defineDecoder, type LayoutDecoder } from '../layout/define-decoder.js';
import { LayoutBatch } from '../layout/layout-batch.js';
import { isKind, kindRaw, kindSource, type AnyKind } from './kind.js';
import { invalidArgument } from '../validate.js';
import { eventsOf, type EventSource } from './event-source.js';
import type { RawFrames } from './raw-frames.js';
import type { RecordDecoder } from './record-decoder.js';
import type { KernelSource } from './source.js';

/**
 * A runtime kind's batch: columns by name (a LayoutBatch), with events from the kind's declaration.
 *
 * @example
 * (await compileKind<ToyEvent>(toyKind)).source({ path: 'toys.bin' }).subscribe((batch) => console.log([...batch]));
 */
export class KindBatch<E> extends LayoutBatch<E> {
  /** `length` records of `kind` over `columns` (LayoutBatch.columnsFromDecoder). */
  constructor(private readonly kind: AnyKind, length: number, columns: Readonly<Record<string, ArrayLike<number | bigint>>>) {
    super(kind.layout, length, columns);
  }

  /**
   * Record i as the kind's event.
   *
   * @throws RangeError when i is not an index of the batch.
   */
  override get(i: number): E {
    if (i >>> 0 !== i || i >= this.length) throw new RangeError(`index ${i} out of batch of ${this.length}`); // also -1, 1.5, NaN
    return (this.kind.event ? this.kind.event(this, i) : { type: this.kind.name, ...(super.get(i) as object) }) as E;
  }
}

/** A kind compiled at run time: its decoder and its source functions. */
export interface CompiledKind<E, O> {
  readonly kind: AnyKind;
  readonly decoder: RecordDecoder<KindBatch<E>>;
  /** The kind's batches, as a built-in kind's `<name>s()`. */
  source(options?: Readonly<Partial<O>>): KernelSource<KindBatch<E>>;
  /** One event per record, as `<name>Events()`. */
  events(options?: Readonly<Partial<O>>): EventSource<E>;
  /** Raw frames for captures, as `<name>Raw()`. */
  raw(options?: Readonly<Partial<O>>): KernelSource<RawFrames>;
}

/**
 * Compiles a kind declared with defineKind (kwire/gen) and registers it for captures: its source,
 * events and raw frames then work as a built-in kind's, and replay() decodes its chunks.
 *
 * @example
 * const toy = await compileKind<ToyEvent, ToyOptions>(toyKind);
 * toy.events({ path: 'records.bin' }).subscribe(console.log);
 * @throws KwireError EINVAL_ARGUMENT when the layout cannot compile or the kind's name or source id is
 *   already registered.
 */
export async function compileKind<E = unknown, O = unknown>(kind: AnyKind, options: { cacheDir?: string } = {}): Promise<CompiledKind<E, O>> {
  if (!isKind(kind)) invalidArgument('compileKind()', `kind must be a declaration from defineKind(), got ${kind === null ? 'null' : typeof kind}`);
  // Once per declaration: its capture registration is unique.
  let compiled = compiledKinds.get(kind);
  if (!compiled) compiledKinds.set(kind, (compiled = compile(kind, options)));
  return compiled as Promise<CompiledKind<E, O>>;
}

const compiledKinds = new WeakMap<AnyKind, Promise<CompiledKind<unknown, unknown>>>();

async function compile<E, O>(kind: AnyKind, options: { cacheDir?: string }): Promise<CompiledKind<E, O>> {
  const layoutDecoder: LayoutDecoder<unknown> = await defineDecoder(kind.layout, {
    sourceId: kind.sourceId,
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    ...(kind.heap ? { tailBytesPerRecord: kind.heap.bytesPerRecord, tailMax: kind.heap.max } : {}),
  });
  const decoder: RecordDecoder<KindBatch<E>> = { ...layoutDecoder, source: kind.name, batch: (d, n) => new KindBatch<E>(kind, n, LayoutBatch.columnsFromDecoder(kind.layout, d, n)) };
  registerKindCapture(kind, decoder);
  const fn = `${kind.name}s()`;
  return {
    kind,
    decoder,
    source: (o) => kindSource(kind, decoder, o ?? {}, fn),
    events: (o) => eventsOf(kindSource(kind, decoder, o ?? {}, fn)),
    raw: (o) => kindRaw(kind, o ?? {}, `${kind.name}Raw()`),
  };
}
