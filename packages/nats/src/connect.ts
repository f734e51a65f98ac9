// A NATS connection for a sink or a source: the first connect fails fast (a wrong URL is an error the
// caller sees), every later disconnect is retried for ever with exponential back-off and jitter, and
// disconnects and reconnects are counted.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KwireError } from 'kwire';

/** Connection counters a sink's or a source's stats() report. */
export interface ConnectionCounters {
  /** Times the connection was lost. */
  disconnects: number;
  /** Times it came back. */
  reconnects: number;
}

/** Back-off before reconnect attempt `n` (from 0): 50 ms doubling to 2 s, plus up to a quarter of it at random. */
export function backoffMs(n: number): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(n, 6));
  return base + Math.floor(Math.random() * (base / 4));
}

/** Connects to `servers` for `what` (e.g. 'natsSink()'), calling `onReconnect` after each reconnect;
 *  throws KwireError ENATS when none answers the first connect. */
export async function natsConnect(what: string, servers: string | string[], counters: ConnectionCounters, onReconnect?: () => void): Promise<NatsConnection> {
  let attempt = 0;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: `kwire ${what}`,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => backoffMs(attempt++),
      pingInterval: 10_000,
    });
  } catch (error) {
    throw new KwireError('ENATS', `${what}: cannot connect to ${[servers].flat().join(', ')}: ${(error as Error).message}`, { cause: error });
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') counters.disconnects++;
      else if (s.type === 'reconnect') {
        counters.reconnects++;
        attempt = 0;
        onReconnect?.();
      }
    }
  })().catch(() => undefined);
  return nc;
}
