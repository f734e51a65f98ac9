// Runs a live source until --duration, Ctrl-C or an error; unsubscribing detaches everything.
import type { Batch, KernelSource } from 'kwire';
import { formatStats } from './output.js';
import type { CommonOptions } from './common-options.js';

export function runSource<E>(
  name: string,
  source: KernelSource<Batch<E>>,
  options: CommonOptions,
  onBatch: (batch: Batch<E>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      subscription.unsubscribe();
      finish();
    };
    const finish = () => {
      clearTimeout(timer);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      if (options.stats) process.stderr.write(formatStats(name, source.stats()));
      resolve();
    };
    const subscription = source.subscribe({
      next: onBatch,
      error: (error: unknown) => {
        clearTimeout(timer);
        process.off('SIGINT', stop).off('SIGTERM', stop);
        reject(error);
      },
      complete: finish,
    });
    const timer = options.durationMs === undefined ? undefined : setTimeout(stop, options.durationMs);
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}
