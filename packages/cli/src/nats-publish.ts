// A live command with --nats: its source's batches through natsSink until --duration, Ctrl-C or an
// error. Stopping ends the source first (detaching it), then waits for the messages in flight to be
// acknowledged (at most FLUSH_MS), so a normal stop loses nothing; --stats prints both sides' counters.
import { Subject, takeUntil, type Observable } from 'rxjs';
import type { Batch, SourceStats } from 'kwire';
import { natsSink, type NatsSinkStats } from '@kwire/nats';
import type { CommonOptions } from './common-options.js';
import { formatStats } from './output.js';
import { stopAfter, type Timer } from './run-source.js';
import { untilExit } from './teardown.js';

const FLUSH_MS = 10_000;

export function publishSource(name: string, source: Observable<Batch<unknown>> & { stats(): SourceStats }, options: CommonOptions): Promise<void> {
  const nats = options.nats!;
  const sink = natsSink({ servers: nats.servers, source: name, ...(nats.subjectPrefix === undefined ? {} : { subjectPrefix: nats.subjectPrefix }), ...(nats.stream === undefined ? {} : { stream: nats.stream }) });
  return new Promise((resolve, reject) => {
    const stopping = new Subject<void>();
    let timer: Timer | undefined;
    let flush: NodeJS.Timeout | undefined;
    let done = false;
    let forget = () => {};
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      forget();
      timer?.cancel();
      clearTimeout(flush);
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
      subscription.unsubscribe();
      if (error !== undefined) return reject(error);
      if (options.stats) process.stderr.write(formatStats(name, source.stats()) + formatSinkStats(sink.stats()));
      resolve();
    };
    const stop = () => {
      if (flush || done) return finish(); // a second Ctrl-C: now
      stopping.next(); // the source ends; the sink completes once its messages are acknowledged
      flush = setTimeout(() => finish(), FLUSH_MS);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop).on('SIGHUP', stop);
    const subscription = source.pipe(takeUntil(stopping), sink).subscribe({ error: finish, complete: () => finish() });
    if (done) return;
    forget = untilExit(() => subscription.unsubscribe());
    if (options.durationMs !== undefined) timer = stopAfter(options.durationMs, stop);
  });
}

export function formatSinkStats(s: NatsSinkStats): string {
  const d = s.dropped;
  return `nats: messages=${s.messages} acked=${s.acked} ackedEvents=${s.ackedEvents} ackedBytes=${s.ackedBytes} duplicates=${s.duplicates} retries=${s.retries} dropped.queueFull=${d.queueFull} dropped.tooLarge=${d.tooLarge} dropped.unencodable=${d.unencodable} dropped.closed=${d.closed} maxQueued=${s.maxQueued} disconnects=${s.disconnects} reconnects=${s.reconnects}${s.streamCreated ? ' streamCreated' : ''}${s.lastError ? ` lastError=${JSON.stringify(s.lastError)}` : ''}\n`;
}
