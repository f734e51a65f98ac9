// The lifetime every replay shares (a capture, an .etl file, a NATS stream): read until the source
// completes or fails, Ctrl-C/SIGTERM/SIGHUP or --duration stops it, or the output's reader goes away.
import type { Subscription } from 'rxjs';
import { isOutputClosed } from './output.js';
import { stopAfter, type Timer } from './run-source.js';
import { untilExit } from './teardown.js';

/**
 * Runs the subscription `start(end)` makes until `end()` (done) or `end(error)` is called, or a signal
 * or `durationMs` stops it. A closed output is a quiet end; any other error rejects, as `mapError`
 * words it.
 */
export function replayUntilDone(
  start: (end: (error?: unknown) => void) => Subscription,
  durationMs: number | undefined,
  mapError: (error: unknown) => unknown = (error) => error,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: Timer | undefined;
    let forget = () => {};
    let subscription: Subscription | undefined;
    const end = (error?: unknown) => {
      forget();
      timer?.cancel();
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
      subscription?.unsubscribe();
      if (error === undefined || isOutputClosed(error)) resolve();
      else reject(mapError(error));
    };
    const stop = () => end();
    subscription = start(end);
    if (subscription.closed) return;
    forget = untilExit(() => subscription?.unsubscribe());
    process.on('SIGINT', stop).on('SIGTERM', stop).on('SIGHUP', stop);
    if (durationMs !== undefined) timer = stopAfter(durationMs, stop);
  });
}
