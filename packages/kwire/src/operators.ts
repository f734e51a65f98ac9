import { mergeMap, type OperatorFunction } from 'rxjs';
import type { Batch } from './batch.js';

/** Flattens batches into one event object per record. */
export function toEvents<E>(): OperatorFunction<Batch<E>, E> {
  return mergeMap((batch) => batch);
}
