// `nats://HOST:PORT/STREAM?durable=NAME&since=TIME&follow=false` as natsSource() options (what
// `kwire replay` takes).
import { KwireError } from 'kwire';
import type { NatsSourceOptions } from './source-options.js';

/** True when `text` names a NATS stream (a nats:// or tls:// URL) rather than a file. */
export function isNatsUrl(text: string): boolean {
  return /^(nats|tls):\/\//i.test(text);
}

/**
 * The natsSource() options a stream URL names: the server, the stream (its path, default KWIRE) and
 * the query's durable, since, seq, subjects, sources and follow.
 *
 * @example
 * natsSource(natsUrlOptions('nats://central:4222/KWIRE?durable=central&since=2026-12-01T00:00:00Z'))
 * @throws KwireError EINVAL_ARGUMENT for a URL that is not nats:// or tls://, or an unknown query key.
 */
export function natsUrlOptions(text: string): Partial<NatsSourceOptions> & Pick<NatsSourceOptions, 'servers'> {
  const bad = (why: string): never => {
    throw new KwireError('EINVAL_ARGUMENT', `natsUrlOptions(): ${why}, got '${text}' (the form: nats://HOST:PORT/STREAM?durable=NAME&since=TIME)`);
  };
  if (!isNatsUrl(text)) bad('a stream URL starts with nats:// or tls://');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad('not a URL');
  }
  const stream = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  const out: Partial<NatsSourceOptions> & Pick<NatsSourceOptions, 'servers'> = { servers: `${url.protocol}//${url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''}${url.host}` };
  if (stream) out.stream = stream;
  for (const [key, value] of url.searchParams) {
    if (key === 'durable') out.durable = value;
    else if (key === 'since') out.since = /^\d+$/.test(value) ? Number(value) : value;
    else if (key === 'seq') out.startSequence = Number(value);
    else if (key === 'subjects') out.subjects = value;
    else if (key === 'sources') out.sources = value.split(',');
    else if (key === 'follow') out.follow = !/^(0|false|no)$/i.test(value);
    else bad(`unknown query key '${key}' (known: durable, since, seq, subjects, sources, follow)`);
  }
  return out;
}
