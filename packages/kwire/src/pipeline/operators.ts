import { Observable, type OperatorFunction } from 'rxjs';
import type { Batch } from './batch.js';

/**
 * An operator that flattens batches into one event object per record. (Not mergeMap: RxJS would read a
 * batch, which has a `length`, as an array-like by index.)
 *
 * @example
 * execs().pipe(toEvents()).subscribe((e) => console.log(e.pid, e.filename));
 */
export function toEvents<E>(): OperatorFunction<Batch<E>, E> {
  return (source) =>
    new Observable<E>((subscriber) =>
      source.subscribe({
        next: (batch) => {
          for (let i = 0; i < batch.length && !subscriber.closed; i++) subscriber.next(batch.get(i));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
