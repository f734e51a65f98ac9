// Runs a live source until --duration, Ctrl-C or an error; unsubscribing detaches everything.
import type { Subscription } from 'rxjs';
import type { Batch, KernelSource } from 'kwire';
import { formatStats } from './output.js';
import type { CommonOptions } from './common-options.js';

export interface RunHooks<E> {
  /** Called once the source is attached (e.g. to print a table header). */
  onAttached?: () => void;
  onBatch: (batch: Batch<E>) => void;
}

export function runSource<E>(name: string, source: KernelSource<Batch<E>>, options: CommonOptions, hooks: RunHooks<E>): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let subscription: Subscription | undefined;
    let done = false;
    const end = (error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      subscription?.unsubscribe();
      if (error !== undefined) return reject(error);
      if (options.stats) process.stderr.write(formatStats(name, source.stats()));
      resolve();
    };
    const stop = () => end();
    subscription = source.subscribe({ next: hooks.onBatch, error: end, complete: stop });
    if (done) return; // failed while attaching
    hooks.onAttached?.();
    process.on('SIGINT', stop).on('SIGTERM', stop);
    if (options.durationMs !== undefined) timer = setTimeout(stop, options.durationMs);
  });
}
