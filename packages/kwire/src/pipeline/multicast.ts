// What rxjs's share() does for a source (one connection to `source` while anyone subscribes; the last
// unsubscribe disconnects; error and complete reach every subscriber and reset it, so the next
// subscribe connects anew), without its Subject: rxjs 7 resolves to its ES5 build on Node, whose
// Subject.next allocates a closure, an iterator and its results per emission. A steady stream of
// leased batches makes no garbage at all through this (no scavenge pauses in its latency).
import { Observable, type Subscriber, type Subscription } from 'rxjs';

/**
 * `source` shared by reference count: subscribers added while it runs join the live stream.
 *
 * @example
 * const shared = multicast(cold); // as cold.pipe(share())
 */
export function multicast<T>(source: Observable<T>): Observable<T> {
  // Copy-on-write: an emission walks the array it started with, whoever joins or leaves meanwhile.
  let subscribers: readonly Subscriber<T>[] = [];
  let connection: Subscription | undefined;
  let connected = false;
  const disconnect = (): readonly Subscriber<T>[] => {
    const all = subscribers;
    subscribers = [];
    connected = false;
    connection = undefined;
    return all;
  };
  return new Observable<T>((subscriber) => {
    subscribers = [...subscribers, subscriber];
    if (!connected) {
      connected = true;
      const inner = source.subscribe({
        next: (value) => {
          const all = subscribers;
          for (let i = 0; i < all.length; i++) all[i]!.next(value);
        },
        error: (error: unknown) => {
          for (const s of disconnect()) s.error(error);
        },
        complete: () => {
          for (const s of disconnect()) s.complete();
        },
      });
      // An error or complete during subscribe has disconnected already.
      if (connected && subscribers.includes(subscriber)) connection = inner;
      else inner.unsubscribe();
    }
    return () => {
      const left = subscribers.filter((s) => s !== subscriber);
      if (left.length === subscribers.length) return;
      subscribers = left;
      if (left.length === 0 && connected) {
        const c = connection;
        disconnect();
        c?.unsubscribe();
      }
    };
  });
}
