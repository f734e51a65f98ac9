// Detectors over flow batches: the first record of each flow (a new flow), and flows that have lived
// longer than an age. Each reads the batch's columns and builds an event only for what it reports;
// the flows it remembers are bounded, and what it forgets is counted.
import { Observable, type OperatorFunction } from 'rxjs';
import { bootTimeNs } from '../platform/boot-time.js';
import { checkInteger, checkOptions } from '../validate.js';

/** The flow columns the detectors read, and a batch's events. */
export interface DetectorBatch<E> {
  readonly length: number;
  readonly cookie: BigUint64Array;
  readonly kind: Uint8Array;
  readonly ts: BigUint64Array;
  readonly start: BigUint64Array;
  /** Record i as an event. */
  get(i: number): E;
}

/** A detector's counters: flows remembered now, and forgotten to stay within maxFlows. */
export interface DetectorStats {
  tracked: number;
  evicted: number;
}

export interface NewFlowsOptions {
  /** Flows remembered at most (the least recent go first; a forgotten flow's next record reads as new). Default: 65 536. */
  maxFlows: number;
  /** Updated with the detector's counters. */
  stats: DetectorStats;
}

const DESTROY = 2;

/**
 * An operator from flow batches to the event of each flow's first record: new flows (a flow open
 * before the subscription shows up at its next update).
 *
 * @example
 * flows().pipe(newFlows()).subscribe((f) => console.log('new', f.srcAddr, '→', f.dstAddr, f.dstPort));
 * @throws KwireError EINVAL_ARGUMENT for a bad option.
 */
export function newFlows<E>(options: Readonly<Partial<NewFlowsOptions>> = {}): OperatorFunction<DetectorBatch<E>, E> {
  const fn = 'newFlows()';
  checkOptions(fn, options);
  const { maxFlows = 65_536 } = options;
  checkInteger(fn, 'maxFlows', maxFlows, 1, 1 << 24, '2^24');
  return (source) =>
    new Observable<E>((subscriber) => {
      const seen = new Set<bigint>();
      const stats = options.stats ?? { tracked: 0, evicted: 0 };
      const sub = source.subscribe({
        next: (b) => {
          for (let i = 0; i < b.length && !subscriber.closed; i++) {
            const c = b.cookie[i]!;
            const known = seen.has(c);
            if (b.kind[i] === DESTROY) seen.delete(c);
            else if (!known) {
              seen.add(c);
              if (seen.size > maxFlows) {
                seen.delete(seen.values().next().value!);
                stats.evicted++;
              }
            }
            if (!known) subscriber.next(b.get(i));
          }
          stats.tracked = seen.size;
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return sub;
    });
}

export interface LongLivedFlowsOptions {
  /** Report a flow once it is this many ms old. Default: 60 000. */
  age: number;
  /** Flows remembered (reported, not yet destroyed) at most. Default: 65 536. */
  maxFlows: number;
  /** Epoch ns of boot, to compare records' boot-time `ts` with flows' epoch `start`: a replay's
   *  `header.bootTime`. Default: this machine's, at subscription. */
  bootTime: bigint;
  stats: DetectorStats;
}

/**
 * An operator from flow batches to one event per flow that has lived longer than `age`: the first of
 * its records at or past that age.
 *
 * @example
 * flows().pipe(longLivedFlows({ age: 5 * 60_000 })).subscribe((f) => console.log('long-lived', f.srcAddr, f.dstAddr, f.bytesOrig));
 * @throws KwireError EINVAL_ARGUMENT for a bad option.
 */
export function longLivedFlows<E>(options: Readonly<Partial<LongLivedFlowsOptions>> = {}): OperatorFunction<DetectorBatch<E>, E> {
  const fn = 'longLivedFlows()';
  checkOptions(fn, options);
  const { age = 60_000, maxFlows = 65_536 } = options;
  checkInteger(fn, 'age', age, 0, 2 ** 40, '2^40');
  checkInteger(fn, 'maxFlows', maxFlows, 1, 1 << 24, '2^24');
  const ageNs = BigInt(age) * 1_000_000n;
  return (source) =>
    new Observable<E>((subscriber) => {
      const boot = options.bootTime ?? BigInt(Date.now()) * 1_000_000n - bootTimeNs();
      const reported = new Set<bigint>();
      const stats = options.stats ?? { tracked: 0, evicted: 0 };
      return source.subscribe({
        next: (b) => {
          for (let i = 0; i < b.length && !subscriber.closed; i++) {
            const c = b.cookie[i]!;
            if (b.kind[i] === DESTROY) {
              const was = reported.delete(c);
              if (was || boot + b.ts[i]! - b.start[i]! < ageNs) continue;
            } else if (reported.has(c) || boot + b.ts[i]! - b.start[i]! < ageNs) continue;
            else {
              reported.add(c);
              if (reported.size > maxFlows) {
                reported.delete(reported.values().next().value!);
                stats.evicted++;
              }
            }
            subscriber.next(b.get(i));
          }
          stats.tracked = reported.size;
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
