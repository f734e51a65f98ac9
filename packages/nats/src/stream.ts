// The stream a sink publishes into: found, or created with retention by age and by size.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, JetStreamApiCodes, JetStreamApiError, StorageType } from '@nats-io/jetstream';
import { KwireError } from 'kwire';

/** How a missing stream is created. */
export interface StreamRetention {
  /** Seconds a message is kept. */
  readonly maxAge: number;
  /** Bytes the stream keeps at most (the oldest messages go first). */
  readonly maxBytes: number;
}

/** Makes sure `stream` exists, creating it over `subjects` when it does not; true when it created it. */
export async function ensureStream(what: string, nc: NatsConnection, stream: string, subjects: string, retention: StreamRetention): Promise<boolean> {
  try {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(stream);
      return false;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    }
    await jsm.streams.add({
      name: stream,
      subjects: [subjects],
      storage: StorageType.File,
      max_age: retention.maxAge * 1e9,
      max_bytes: retention.maxBytes,
    });
    return true;
  } catch (error) {
    throw jetstreamError(what, `stream ${stream}`, error);
  }
}

/** A JetStream failure as KwireError ENATS, naming what was asked. */
export function jetstreamError(what: string, about: string, error: unknown): KwireError {
  const message = (error as Error).message ?? String(error);
  const hint = /no responders|503|jetstream not enabled/i.test(message)
    ? ' (is JetStream enabled on the server? nats-server -js)'
    : /stream not found/i.test(message)
      ? ' (a sink creates it when it first publishes: kwire exec|exit|flows --nats URL [--stream S]; list them: nats stream ls)'
      : '';
  return new KwireError('ENATS', `${what}: ${about}: ${message}${hint}`, { cause: error });
}
