// Items of several sources in time order: records of different sources reach user space (or a capture's
// chunks) in batches, each source in its own order, so a merge holds each item until no earlier one can
// still come — until an item `window` later has arrived — bounded by `maxHeld`. Items that arrive later
// than that are let through at once and counted (onLate), never dropped.
import { merge, Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** How {@link timeOrder} and {@link mergeByTime} order items. */
export interface TimeOrderOptions<T> {
  /** The item's time (e.g. a record's boot-time nanoseconds); undefined: emitted in arrival order. */
  time: (item: T) => bigint | undefined;
  /** How far behind a later item (in `time`'s unit) an item may arrive and still be put in order.
   *  Default: 1 s in nanoseconds (1_000_000_000n). */
  window?: bigint;
  /** Items held at most; beyond it the earliest is emitted before its window ends. Default: 100 000. */
  maxHeld?: number;
  /** Told of each item that arrived after a later one was emitted (it is emitted at once). */
  onLate?: (item: T) => void;
}

interface Held<T> {
  time: bigint;
  seq: number;
  item: T;
}

const before = <T>(a: Held<T>, b: Held<T>) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

/** A binary min-heap by (time, arrival): equal times keep their arrival order. */
class TimeHeap<T> {
  private readonly items: Held<T>[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Held<T> | undefined {
    return this.items[0];
  }
  push(h: Held<T>): void {
    const a = this.items;
    a.push(h);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Held<T> | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * An operator that puts items in time order within a bounded reorder window: an item is emitted once an
 * item `window` later has arrived, or when the source completes (everything held, in order).
 *
 * @example
 * replay('host.kwcap').events().pipe(timeOrder({ time: (e: { ts?: bigint }) => e.ts })).subscribe(console.log);
 */
export function timeOrder<T>(options: TimeOrderOptions<T>): MonoTypeOperatorFunction<T> {
  const { time, window = 1_000_000_000n, maxHeld = 100_000, onLate } = options;
  return (source) =>
    new Observable<T>((subscriber) => {
      const heap = new TimeHeap<T>();
      let seq = 0;
      let newest: bigint | undefined;
      let emitted: bigint | undefined;
      const emit = (h: Held<T>) => {
        emitted = h.time;
        subscriber.next(h.item);
      };
      const flush = () => {
        for (let h = heap.pop(); h && !subscriber.closed; h = heap.pop()) emit(h);
      };
      return source.subscribe({
        next: (item) => {
          const t = time(item);
          if (t === undefined) return subscriber.next(item);
          if (emitted !== undefined && t < emitted) {
            onLate?.(item);
            return subscriber.next(item);
          }
          heap.push({ time: t, seq: seq++, item });
          if (newest === undefined || t > newest) newest = t;
          for (let h = heap.peek(); h && !subscriber.closed && (h.time + window <= newest || heap.size > maxHeld); h = heap.peek()) emit(heap.pop()!);
        },
        error: (error: unknown) => {
          flush();
          subscriber.error(error);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
    });
}

/**
 * Several sources merged into one stream in time order (merge, then {@link timeOrder}).
 *
 * @example
 * mergeByTime([execEvents(), exitEvents()], { time: (e) => ('ts' in e ? e.ts : e.exitTime) }).subscribe(console.log);
 */
export function mergeByTime<T>(sources: readonly Observable<T>[], options: TimeOrderOptions<T>): Observable<T> {
  return merge(...sources).pipe(timeOrder(options));
}
