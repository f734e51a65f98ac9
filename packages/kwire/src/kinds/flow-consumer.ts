// A flow consumer (conntracct's Consumer): one subscriber's view of a shared probe, by mode, with a
// bounded queue. Records are queued on arrival and delivered on the next turn of the event loop; a
// consumer whose queue is full loses the new records and counts them (ConsumerStats), while the probe
// and the other consumers go on.
import { Observable } from 'rxjs';
import type { FlowBatch } from '../generated/flow.js';
import { FlowKind } from './flow.js';
import type { FlowProbe, FlowProbeStats } from './flow-probe.js';

export type FlowMode = 'update' | 'destroy' | 'all';

/** conntracct's ConsumerStats. */
export interface ConsumerStats {
  /** Records delivered to this consumer. */
  received: number;
  /** Records this consumer lost because its queue was full. */
  lost: number;
  /** Records queued, not yet delivered. */
  queueLength: number;
}

export interface FlowStats {
  consumer: ConsumerStats;
  probe: FlowProbeStats;
}

export interface FlowConsumer extends Observable<FlowBatch> {
  readonly mode: FlowMode;
  /** This consumer's queue counters and the shared probe's. */
  stats(): FlowStats;
}

export function flowConsumer(probe: FlowProbe, mode: FlowMode, maxQueue: number): FlowConsumer {
  const consumer = { received: 0, lost: 0, queueLength: 0 };
  const cold = new Observable<FlowBatch>((subscriber) => {
    let queue: FlowBatch[] = [];
    let timer: NodeJS.Immediate | undefined;
    const flush = () => {
      timer = undefined;
      const batches = queue;
      queue = [];
      for (const b of batches) {
        if (subscriber.closed) return;
        consumer.queueLength -= b.length;
        consumer.received += b.length;
        subscriber.next(b);
      }
    };
    const inner = probe.subscribe({
      next: (all) => {
        const batch = mode === 'all' ? all : ofKind(all, FlowKind[mode]);
        if (batch.length === 0) return;
        if (consumer.queueLength + batch.length > maxQueue) {
          consumer.lost += batch.length;
          return;
        }
        queue.push(batch);
        consumer.queueLength += batch.length;
        timer ??= setImmediate(flush);
      },
      error: (e: unknown) => {
        flush();
        subscriber.error(e);
      },
      complete: () => {
        flush();
        subscriber.complete();
      },
    });
    return () => {
      if (timer) clearImmediate(timer);
      for (const b of queue) consumer.queueLength -= b.length;
      queue = [];
      inner.unsubscribe();
    };
  });
  return Object.assign(cold, { mode, stats: (): FlowStats => ({ consumer: { ...consumer }, probe: probe.stats() }) });
}

/** The records of one kind (the batch itself when all are). */
function ofKind(batch: FlowBatch, kind: number): FlowBatch {
  const rows: number[] = [];
  for (let i = 0; i < batch.length; i++) if (batch.kind[i] === kind) rows.push(i);
  return rows.length === batch.length ? batch : batch.select(rows);
}
