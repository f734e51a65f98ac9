// --nats URL [--subject-prefix P] [--stream S]: the live commands publish their decoded batches to
// NATS JetStream instead of printing them (a common option: common-options.ts lists it).
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

export const natsOptions = {
  nats: { type: 'string' },
  'subject-prefix': { type: 'string' },
  stream: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const natsHelp = `  --nats URL          publish to NATS JetStream (nats://HOST:PORT), subjects PREFIX.HOST.SOURCE (default: print)
  --subject-prefix P  with --nats: the subjects' first token(s) (default: kwire)
  --stream S          with --nats: the JetStream stream, created when missing (default: KWIRE)`;

/** Where to publish, when --nats was given. */
export interface NatsPublishOptions {
  servers: string;
  subjectPrefix?: string;
  stream?: string;
}

export function parseNats(values: { nats?: string; 'subject-prefix'?: string; stream?: string }): NatsPublishOptions | undefined {
  if (values.nats === undefined) {
    for (const name of ['subject-prefix', 'stream'] as const) if (values[name] !== undefined) throw new UsageError(`--${name} is for --nats URL`);
    return undefined;
  }
  if (!/^(nats|tls):\/\/[^/]+\/?$/i.test(values.nats)) throw new UsageError(`--nats wants a server URL such as nats://127.0.0.1:4222, got '${values.nats}'`);
  return {
    servers: values.nats,
    ...(values['subject-prefix'] === undefined ? {} : { subjectPrefix: values['subject-prefix'] }),
    ...(values.stream === undefined ? {} : { stream: values.stream }),
  };
}
