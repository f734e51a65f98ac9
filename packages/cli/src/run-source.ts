// Runs a live source until --duration, Ctrl-C or an error; unsubscribing detaches everything.
import type { Observable, Subscription } from 'rxjs';
import type { Batch, SourceStats } from 'kwire';
import { formatStats, isOutputClosed } from './output.js';
import { untilExit } from './teardown.js';
import type { CommonOptions } from './common-options.js';
import { startOutput } from './command-output.js';

export interface RunHooks<E> {
  /** Called once the source is attached (e.g. to print a table header). */
  onAttached?: () => void;
  onBatch: (batch: Batch<E>) => void;
}

/** A live source as runSource runs it: its batches, its counters, and (a KernelSource's) drain. */
export type RunnableSource<E> = Observable<Batch<E>> & { stats(): SourceStats; drain?(): void };

export function runSource<E>(name: string, source: RunnableSource<E>, options: CommonOptions, hooks: RunHooks<E>): Promise<void> {
  const stopOutput = startOutput(options);
  return new Promise<void>((resolve, reject) => {
    let timer: Timer | undefined;
    let subscription: Subscription | undefined;
    let done = false;
    let forget = () => {};
    const end = (error?: unknown) => {
      if (done) return;
      done = true;
      forget();
      timer?.cancel();
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
      // A planned stop delivers what already reached the shared ring (a failed write skips it).
      if (error === undefined) guarded(() => source.drain?.());
      subscription?.unsubscribe();
      stopOutput();
      if (error !== undefined) return reject(error);
      if (options.stats) process.stderr.write(formatStats(name, source.stats()));
      resolve();
    };
    const stop = () => end();
    // A failing write (a full disk; a closed pipe ends quietly) stops the source like an error would.
    const guarded = (run: () => void) => {
      try {
        run();
      } catch (error) {
        end(isOutputClosed(error) ? undefined : error);
      }
    };
    // Before attaching: a Ctrl-C while the programs load must stop us, not kill us with them attached.
    process.on('SIGINT', stop).on('SIGTERM', stop).on('SIGHUP', stop);
    subscription = source.subscribe({ next: (batch) => guarded(() => hooks.onBatch(batch)), error: end, complete: stop });
    if (done) return subscription.unsubscribe(); // failed while attaching, or ended at once
    forget = untilExit(() => subscription?.unsubscribe());
    guarded(() => hooks.onAttached?.());
    if (done) return;
    if (options.durationMs !== undefined) timer = stopAfter(options.durationMs, stop);
  });
}

export interface Timer {
  cancel(): void;
}

/** setTimeout for any duration: Node's fires at once beyond 2^31-1 ms (24.8 days), so wait in steps. */
export function stopAfter(ms: number, run: () => void): Timer {
  const STEP = 2 ** 31 - 1;
  let handle: NodeJS.Timeout;
  const arm = (left: number) => {
    handle = setTimeout(() => (left > STEP ? arm(left - STEP) : run()), Math.min(left, STEP));
  };
  arm(ms);
  return { cancel: () => clearTimeout(handle) };
}
