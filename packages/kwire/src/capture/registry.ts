// Sources that can be captured and replayed register here: how to open them live as raw frames,
// how to decode their frames, and their record layout version (captures store it with every chunk).
import type { Batch } from '../pipeline/batch.js';
import { KwireError } from '../errors.js';
import type { KernelSource } from '../pipeline/source.js';
import type { RawFrames } from '../pipeline/raw-frames.js';
import type { RecordDecoder } from '../pipeline/record-decoder.js';
import type { Transport } from '../pipeline/transport.js';
import { kindRaw, timeOffset, type AnyKind } from '../pipeline/kind.js';

/** Options a capture source is opened with live (by {@link liveRawSources} and `kwire record`). */
export interface RawOpenOptions {
  /** Only processes in this pid namespace, for sources that filter by it. */
  pidns?: number;
  /** Kernel→user transport, for sources that offer a choice (exec, exit). Default: 'auto'. */
  transport?: Transport | 'auto';
  /** cgroup v2 directory whose traffic flow sources count. Default: the cgroup v2 root. */
  cgroup?: string;
}

/** A source that can be recorded and replayed: its name, source id, layout version, time offset, decoder and live raw form. */
export interface CaptureSource<B extends Batch<unknown> = Batch<unknown>> {
  /** The source's name (as in the CLI and in event `type`s' commands), e.g. 'exec'. */
  readonly name: string;
  /** Frame header source id. */
  readonly id: number;
  /** Version of the record layout; a capture's chunks carry it, replay refuses other versions. */
  readonly layout: number;
  /** Byte offset of a u64 boot-time nanosecond timestamp in each record (per-chunk times). */
  readonly tsOffset: number;
  /** The event field holding that timestamp (replay's time-ordered merge). Default: none (capture order). */
  readonly timeField?: string;
  readonly decoder: RecordDecoder<B>;
  /** The live source as raw frames (kernelSource with rawDecoder). */
  openRaw(options: Readonly<RawOpenOptions>): KernelSource<RawFrames>;
}

const byName = new Map<string, CaptureSource>();
const byId = new Map<number, CaptureSource>();

/**
 * Registers a source that captures can hold: {@link record} and {@link replay} find it by name and id.
 * Registering the same object again is a no-op.
 *
 * @example
 * registerCaptureSource({ name: 'hit', id: 0x100, layout: 1, tsOffset: 0, decoder, openRaw: () => kernelSource(spec) });
 * @throws KwireError EINVAL_ARGUMENT when another source of that name or id is registered.
 */
export function registerCaptureSource<B extends Batch<unknown>>(source: CaptureSource<B>): void {
  const known = byName.get(source.name) ?? byId.get(source.id);
  if (known && known !== (source as unknown)) {
    throw new KwireError('EINVAL_ARGUMENT', `registerCaptureSource(): capture source ${source.name} (id ${source.id}) is already registered`);
  }
  byName.set(source.name, source as unknown as CaptureSource);
  byId.set(source.id, source as unknown as CaptureSource);
}

/**
 * The registered capture source named `name`, or undefined.
 *
 * @example
 * const exec = captureSource('exec')!; console.log(exec.id, exec.layout);
 */
export function captureSource(name: string): CaptureSource | undefined {
  return byName.get(name);
}

export function captureSourceById(id: number): CaptureSource | undefined {
  return byId.get(id);
}

/**
 * The names of every registered capture source, in registration order.
 *
 * @example
 * captureSourceNames() // ['exec', 'exit', 'flow', 'loadgen']
 */
export function captureSourceNames(): string[] {
  return [...byName.keys()];
}

/**
 * Registers a declared kind that can be captured, with its decoder (generated/kinds.ts does it for the
 * built-in ones).
 *
 * @example
 * registerKindCapture(compiled.kind, compiled.decoder);
 * @throws KwireError EINVAL_ARGUMENT when another capture source has the kind's name or source id.
 */
export function registerKindCapture<B extends Batch<unknown>>(kind: AnyKind, decoder: RecordDecoder<B>): void {
  // A kind that declares no capture options records with its own defaults.
  const options = kind.capture ?? (() => ({}));
  registerCaptureSource({
    name: kind.name,
    id: kind.sourceId,
    layout: kind.layoutVersion,
    tsOffset: timeOffset(kind),
    timeField: kind.time,
    decoder,
    openRaw: (o) => kindRaw(kind, options(o), `${kind.name}Raw()`),
  });
}
