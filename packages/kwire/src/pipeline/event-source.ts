// A source's events, one object per record, that keep the source's stats (losses must stay visible to
// users of execEvents() as much as to users of execs()).
import type { Observable } from 'rxjs';
import type { Batch } from './batch.js';
import { toEvents } from './operators.js';
import type { KernelSource } from './source.js';
import type { SourceStats } from './stats.js';

/** An Observable of events with the counters of the source it flattens. */
export interface EventSource<E> extends Observable<E> {
  /** The source's counters (KernelSource.stats()). */
  stats(): SourceStats;
  /** Emits what the source's shared ring holds now (KernelSource.drain()). */
  drain(): void;
}

/**
 * The events of `source`, one object per record, with its stats() and drain().
 *
 * @example
 * const events = eventsOf(execs());
 * events.subscribe((e) => console.log(e.pid));
 * setTimeout(() => console.log(events.stats().lost), 1000);
 */
export function eventsOf<E>(source: KernelSource<Batch<E>>): EventSource<E> {
  return Object.assign(source.pipe(toEvents<E>()), { stats: () => source.stats(), drain: () => source.drain() });
}
