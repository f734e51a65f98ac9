// One NATS message: decoded batches of one source from one host, as a MessagePack map. The batches are
// their packed columns (kwire/gen batchSlab: typed-array columns widest first, then the string heap),
// so publishing copies bytes instead of building an object per event, and the far side rebuilds the
// live source's own batch class (batchFromSlab) with the same decoder's code.
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { Batch } from 'kwire';
import { KwireError } from 'kwire';
import { batchFromSlab, type BatchSlab } from 'kwire/gen';
import type { NatsKind } from './kinds.js';

/** Version of the message map; a consumer refuses messages of a newer one. */
export const MESSAGE_VERSION = 1;

/** What one message carries besides its batches. */
export interface MessageHeader {
  /** The publishing host (the subject's second token). */
  readonly host: string;
  /** The source (record kind) name, e.g. 'exec'. */
  readonly source: string;
  /** Frame source id and record layout version of the kind (a consumer checks both). */
  readonly id: number;
  readonly layout: number;
  /** The publishing sink's session (random per subscription): with `seq`, the message's identity. */
  readonly session: string;
  /** Message number in the session, from 0. */
  readonly seq: number;
  /** Number of the message's first event in the session, from 0. */
  readonly first: number;
  /** When the publishing host booted (epoch milliseconds): its records' boot-time stamps are relative to it. */
  readonly boot: number;
}

/** A decoded message: its header and its batches' slabs. */
export interface DecodedMessage extends MessageHeader {
  readonly v: number;
  readonly slabs: readonly BatchSlab[];
  /** Events in the message. */
  readonly events: number;
}

const encoder = new Encoder();
const decoder = new Decoder();

/** The message's bytes: a map of the header and `b`, one [length, heap, bytes] triple per batch. */
export function encodeMessage(header: MessageHeader, slabs: readonly BatchSlab[]): Uint8Array {
  return encoder.encode({ v: MESSAGE_VERSION, ...header, b: slabs.map((s) => [s.length, s.heap, s.bytes]) });
}

/** A message's map, checked; throws KwireError EDECODE for bytes that are not a kwire message. */
export function decodeMessage(data: Uint8Array): DecodedMessage {
  let m: Record<string, unknown>;
  try {
    m = decoder.decode(data) as Record<string, unknown>;
  } catch (error) {
    throw new KwireError('EDECODE', `not a kwire message: ${(error as Error).message}`, { cause: error });
  }
  const bad = (what: string): never => {
    throw new KwireError('EDECODE', `not a kwire message: ${what}`);
  };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) bad('not a map');
  if (typeof m.v !== 'number') bad('no version');
  if ((m.v as number) > MESSAGE_VERSION) bad(`version ${m.v as number} (this kwire reads version ${MESSAGE_VERSION})`);
  for (const k of ['host', 'source', 'session'] as const) if (typeof m[k] !== 'string') bad(`no ${k}`);
  for (const k of ['id', 'layout', 'seq', 'first', 'boot'] as const) if (!Number.isSafeInteger(m[k])) bad(`no ${k}`);
  if (!Array.isArray(m.b)) bad('no batches');
  let events = 0;
  const slabs = (m.b as unknown[]).map((t) => {
    if (!Array.isArray(t) || !Number.isSafeInteger(t[0]) || !Number.isSafeInteger(t[1]) || !(t[2] instanceof Uint8Array)) return bad('a batch is not [length, heap, bytes]');
    const [length, heap, bytes] = t as [number, number, Uint8Array];
    if (length < 0 || heap < 0 || heap > bytes.byteLength) bad('a batch has a bad length or heap');
    events += length;
    return { length, heap, bytes };
  });
  return { ...(m as unknown as MessageHeader), v: m.v as number, slabs, events };
}

/**
 * The batches of a message, of its kind's batch class. Throws KwireError EDECODE when the kind is not
 * the message's (layout version) or a slab is too short for its records.
 */
export function messageBatches(message: DecodedMessage, kind: NatsKind): Batch<unknown>[] {
  if (kind.layout !== message.layout || kind.id !== message.id) {
    throw new KwireError('EDECODE', `${message.source} records in layout version ${message.layout} (id ${message.id}); this kwire decodes version ${kind.layout} (id ${kind.id})`);
  }
  const row = kind.rowBytes;
  return message.slabs.map((s) => {
    // Checked before the decoder allocates: a slab's bytes are its records' columns and its heap, exactly.
    if (row === 0 || s.bytes.byteLength !== row * s.length + s.heap) {
      throw new KwireError('EDECODE', `a ${message.source} batch of ${s.length} records and ${s.heap} heap bytes in ${s.bytes.byteLength} bytes (${row} bytes of columns a record)`);
    }
    try {
      return batchFromSlab(kind.decoder, s);
    } catch (error) {
      throw new KwireError('EDECODE', `a ${message.source} batch of ${s.length} records in ${s.bytes.byteLength} bytes: ${(error as Error).message}`, { cause: error });
    }
  });
}
