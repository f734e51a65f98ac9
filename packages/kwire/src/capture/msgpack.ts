// Decoded events as MessagePack: a stream of maps with the JSON field names (and `type`); bigint
// values (64-bit times, ids, counters) as uint64/int64, never strings; numbers as the smallest int
// (or float64 above 2^32, which stays exact to 2^53); addresses as text or as 4/16 bytes.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { KwireError } from '../errors.js';
import { bytesToIp, ipToBytes } from '../platform/ip.js';

export interface MsgpackOptions {
  /** Address fields (srcAddr, dstAddr) as 'string' ('10.0.0.1', '::1') or 'bytes' (4 or 16, network
   *  order). Default: 'string'. The decoder turns either back into strings unless told 'bytes'. */
  addresses: 'string' | 'bytes';
}

/**
 * The event fields that hold IP addresses in any event kind (what `addresses: 'bytes'` converts).
 *
 * @example
 * ADDRESS_FIELDS.has('srcAddr') // true
 */
export const ADDRESS_FIELDS: ReadonlySet<string> = new Set(['srcAddr', 'dstAddr']);

/**
 * Encodes events as MessagePack maps (u64 fields as 64-bit integers), addresses as text or bytes.
 *
 * @example
 * const bytes = new EventEncoder({ addresses: 'bytes' }).encodeAll(batch);
 * @throws KwireError EINVAL_ARGUMENT (from the constructor) for `addresses` other than 'string' or 'bytes'.
 */
export class EventEncoder {
  private readonly encoder = new Encoder({ useBigInt64: true, ignoreUndefined: true });
  private readonly bytes: boolean;

  constructor(options: Readonly<Partial<MsgpackOptions>> = {}) {
    this.bytes = checkAddresses(options.addresses) === 'bytes';
  }

  /**
   * One event as one map (a fresh copy).
   *
   * @throws the MessagePack encoder's own error for a value it cannot encode (a function, a symbol).
   */
  encode(event: object): Uint8Array {
    return this.encoder.encode(this.bytes ? addressesToBytes(event) : event);
  }

  /** Events as one buffer of consecutive maps. */
  encodeAll(events: Iterable<object>): Uint8Array {
    const parts: Uint8Array[] = [];
    let size = 0;
    for (const e of events) {
      const p = this.encode(e);
      parts.push(p);
      size += p.length;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/**
 * Decodes a stream of MessagePack event maps (what {@link EventEncoder} and `kwire … --msgpack` write),
 * turning address bytes back into text unless told `addresses: 'bytes'`.
 *
 * @example
 * for (const event of new EventDecoder().decodeAll(bytes)) console.log(event.type);
 * @throws KwireError EINVAL_ARGUMENT (from the constructor) for `addresses` other than 'string' or
 *   'bytes'; while decoding, KwireError EINVAL_ARGUMENT for a value that is not a map, and
 *   \@msgpack/msgpack's DecodeError for bytes that are not MessagePack.
 */
export class EventDecoder {
  private readonly decoder = new Decoder({ useBigInt64: true });
  private readonly strings: boolean;

  constructor(options: Readonly<Partial<MsgpackOptions>> = {}) {
    this.strings = checkAddresses(options.addresses) === 'string';
  }

  /** Every event in a buffer of consecutive maps. */
  *decodeAll(bytes: Uint8Array): Generator<Record<string, unknown>> {
    for (const value of this.decoder.decodeMulti(bytes)) yield this.fix(value);
  }

  /** Every event of a stream of consecutive maps (e.g. `kwire … --msgpack` piped in). */
  async *decodeStream(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
    for await (const value of this.decoder.decodeStream(stream)) yield this.fix(value);
  }

  private fix(value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new KwireError('EINVAL_ARGUMENT', 'EventDecoder: a kwire MessagePack event stream holds maps only');
    }
    const event = value as Record<string, unknown>;
    if (this.strings) for (const f of ADDRESS_FIELDS) if (event[f] instanceof Uint8Array) event[f] = bytesToIp(event[f] as Uint8Array);
    return event;
  }
}

function checkAddresses(a: unknown): 'string' | 'bytes' {
  if (a === undefined || a === 'string' || a === 'bytes') return a ?? 'string';
  throw new KwireError('EINVAL_ARGUMENT', `EventEncoder: addresses must be 'string' or 'bytes', got '${String(a)}'`);
}

function addressesToBytes(event: object): object {
  const e = event as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const f of ADDRESS_FIELDS) {
    if (typeof e[f] === 'string') (copy ??= { ...e })[f] = ipToBytes(e[f] as string);
  }
  return copy ?? event;
}
