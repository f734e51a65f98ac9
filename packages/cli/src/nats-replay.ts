// kwire replay nats://HOST:PORT/STREAM[?durable=NAME&since=TIME]: the events of a JetStream stream,
// printed as every replay prints them (the same writer, the publishing host's clock for TIME).
import { natsSource, natsUrlOptions, type NatsSourceStats } from '@kwire/nats';
import { useBootTime } from './boot-time.js';
import type { CommonOptions } from './common-options.js';
import { eventWriter } from './event-writer.js';
import { replayUntilDone } from './replay-until-done.js';
import { shapes, tables } from './tables.js';
import { UsageError } from './usage-error.js';

export async function replayNats(url: string, options: CommonOptions, sources: string[] | undefined): Promise<void> {
  let fromUrl;
  try {
    fromUrl = natsUrlOptions(url);
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^natsUrlOptions\(\): /, ''));
  }
  const source = natsSource({
    ...fromUrl,
    ...(sources === undefined ? {} : { sources }),
    onIssue: (issue) => process.stderr.write(`kwire replay: warning: message ${issue.streamSequence} on ${issue.subject}: ${issue.reason}\n`),
  });
  const writer = eventWriter(options, tables, shapes);
  let boot: number | undefined;
  await replayUntilDone((end) =>
    source.subscribe({
      next: ({ source: name, batch, bootTime }) => {
        try {
          if (bootTime !== boot) useBootTime(BigInt(bootTime) * 1_000_000n);
          boot = bootTime;
          const events = options.pidns === undefined ? batch : [...batch].filter((e) => (e as { pidns?: number }).pidns === options.pidns);
          writer.batch(name, events);
        } catch (error) {
          end(error);
        }
      },
      error: end,
      complete: () => end(),
    }), options.durationMs);
  if (options.stats) process.stderr.write(formatNatsSourceStats(url, source.stats()));
}

function formatNatsSourceStats(url: string, s: NatsSourceStats): string {
  const hosts = Object.entries(s.hosts).map(([h, n]) => `${h}=${n}`).join(',') || 'none';
  return `replay: ${url}: messages=${s.messages} batches=${s.batches} records=${s.records} hosts=${hosts} duplicates=${s.duplicates} skipped=${s.skipped} disconnects=${s.disconnects} reconnects=${s.reconnects}\n`;
}
