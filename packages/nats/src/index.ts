// @kwire/nats: kwire's decoded batches through NATS JetStream. A sink operator publishes a host's
// batches; a source reads them back, anywhere, as the same batches and events.
export { natsSink } from './sink.js';
export type { NatsSink, NatsSinkOptions, NatsSinkStats, NatsDrops, NatsPublished } from './sink.js';
export { natsSource } from './source.js';
export type { NatsSource, NatsSourceOptions, NatsSourceStats, NatsBatch, NatsIssue } from './source.js';
export { natsUrlOptions, isNatsUrl } from './url.js';
export { MESSAGE_VERSION } from './batch-message.js';
