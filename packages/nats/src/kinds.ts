// The kinds a sink can publish and a source can decode: every capture source (the built-in kinds and
// those compileKind registered, e.g. through KWIRE_KINDS) and every built-in kind (loadgen too), by name.
import { captureSource, captureSourceNames, type Batch, type RecordDecoder } from 'kwire';
import { builtinKinds } from 'kwire/gen';

/** A record kind as NATS messages name it: its decoder, frame source id and layout version. */
export interface NatsKind {
  readonly name: string;
  readonly id: number;
  readonly layout: number;
  readonly decoder: RecordDecoder<Batch<unknown>>;
}

/** The kind named `name`, or undefined. */
export function natsKind(name: string): NatsKind | undefined {
  const c = captureSource(name);
  if (c) return { name, id: c.id, layout: c.layout, decoder: c.decoder };
  const b = builtinKinds.find((k) => k.kind.name === name);
  return b && { name, id: b.kind.sourceId, layout: b.kind.layoutVersion, decoder: b.decoder as unknown as RecordDecoder<Batch<unknown>> };
}

/** Every kind's name (for messages naming what is known). */
export function natsKindNames(): string[] {
  return [...new Set([...captureSourceNames(), ...builtinKinds.map((k) => k.kind.name)])];
}
