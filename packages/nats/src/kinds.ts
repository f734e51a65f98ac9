// The kinds a sink can publish and a source can decode: every capture source (the built-in kinds and
// those compileKind registered, e.g. through KWIRE_KINDS) and every built-in kind (loadgen too), by name.
import { captureSource, captureSourceNames, type Batch, type RecordDecoder } from 'kwire';
import { batchFromSlab, batchSlab, builtinKinds } from 'kwire/gen';

/** A record kind as NATS messages name it: its decoder, frame source id and layout version. */
export interface NatsKind {
  readonly name: string;
  readonly id: number;
  readonly layout: number;
  readonly decoder: RecordDecoder<Batch<unknown>>;
  /** Bytes of columns per record in a slab (without the string heap). */
  readonly rowBytes: number;
}

const rows = new Map<RecordDecoder<Batch<unknown>>, number>();

/** A decoder's column bytes per record: what it copies for one record of a slab without strings. */
function rowBytesOf(decoder: RecordDecoder<Batch<unknown>>): number {
  let row = rows.get(decoder);
  if (row === undefined) {
    const probe = batchFromSlab(decoder, { length: 1, heap: 0, bytes: new Uint8Array(1 << 16) });
    row = batchSlab(probe)?.bytes.byteLength ?? 0;
    rows.set(decoder, row);
  }
  return row;
}

/** The kind named `name`, or undefined. */
export function natsKind(name: string): NatsKind | undefined {
  const c = captureSource(name);
  const found = c
    ? { name, id: c.id, layout: c.layout, decoder: c.decoder }
    : builtinKinds.filter((k) => k.kind.name === name).map((k) => ({ name, id: k.kind.sourceId, layout: k.kind.layoutVersion, decoder: k.decoder as unknown as RecordDecoder<Batch<unknown>> }))[0];
  return found && { ...found, get rowBytes() { return rowBytesOf(found.decoder); } };
}

/** Every kind's name (for messages naming what is known). */
export function natsKindNames(): string[] {
  return [...new Set([...captureSourceNames(), ...builtinKinds.map((k) => k.kind.name)])];
}
