// topTalkers(): the keys that moved the most bytes over tumbling or sliding windows, summed on
// batches in WebAssembly (flow-sums.ts), ranked in TypeScript once per window.
import { Observable, asyncScheduler, interval, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { checkInteger, checkNumber, checkOneOf, checkOptions, checkStrings, invalidArgument } from '../validate.js';
import { FlowSums, type FlowColumnsIn, type KeySums } from './flow-sums.js';
import { keyColumns, readKey, type KeyColumn, type KeyValue } from './flow-keys.js';

export interface TopTalkersOptions {
  /** The key columns. Default: ['srcAddr', 'dstAddr', 'dstPort', 'proto']. */
  by: readonly string[];
  /** Window length in ms. Default: 10 000. */
  window: number;
  /** A result every this many ms: equal to `window` for tumbling windows, less for sliding ones
   *  (`window` must be a multiple of it). Default: `window`. */
  every: number;
  /** Rows per result, the largest first. Default: 10. */
  limit: number;
  /** What ranks the rows. Default: 'bytes'. */
  sort: 'bytes' | 'packets' | 'records';
  /** Distinct keys per step at most; records of further keys are counted in `dropped.keys`. Default: 16 384. */
  maxKeys: number;
  /** Flows whose last counters are remembered (to count what each record adds). Default: 65 536. */
  maxFlows: number;
  /** A flow with no record for this many steps is forgotten (its destroy was lost), counted in
   *  `dropped.flowsEvicted`. Default: 60. */
  idleSteps: number;
  /** What times the windows: 'scheduler' (the scheduler's clock, as records arrive) or 'records'
   *  (the records' own `ts`, boot-time ns: a replay at any speed gives the windows it recorded; a step
   *  ends when a record at or past its end arrives, and the last when the input completes).
   *  Default: 'scheduler'. */
  time: 'scheduler' | 'records';
  /** The windows' clock with time 'scheduler'. Default: asyncScheduler (TestScheduler in marble tests). */
  scheduler: SchedulerLike;
}

/** One key of a window: what its flows moved both ways, and the rates over the window. */
export interface TopTalker {
  key: Record<string, KeyValue>;
  bytes: number;
  packets: number;
  bytesOrig: number;
  bytesRet: number;
  packetsOrig: number;
  packetsRet: number;
  /** Flow records summed. */
  records: number;
  bytesPerSecond: number;
  packetsPerSecond: number;
}

/** One result: the window it covers (scheduler ms; with time 'records', boot-time ms of the
 *  records), its largest keys, and what was not counted. */
export interface TopTalkers {
  start: number;
  end: number;
  rows: TopTalker[];
  /** Distinct keys in the window (rows holds the first `limit`). */
  keys: number;
  dropped: { keys: number; flows: number; flowsEvicted: number };
  /** Flows remembered now. */
  flows: number;
}

interface Acc { key: Uint8Array; bytesOrig: number; bytesRet: number; packetsOrig: number; packetsRet: number; records: number }

const latin1 = (b: Uint8Array) => String.fromCharCode.apply(null, b as unknown as number[]);

/**
 * An operator from flow batches to the top talkers of each window: the keys (any columns: addresses,
 * ports, proto, netns…) whose flows moved the most, with bytes/s and packets/s. Each record adds what
 * its flow moved since its previous record (flow records carry running totals), summed per key in
 * WebAssembly, batch by batch. Tumbling windows by default; `every` below `window` slides them. The
 * last, partial window is emitted when the input completes.
 *
 * @example
 * flows({ mode: 'all' }).pipe(topTalkers({ by: ['dstAddr', 'dstPort'], window: 10_000, limit: 5 }))
 *   .subscribe((t) => t.rows.forEach((r) => console.log(r.key.dstAddr, r.key.dstPort, r.bytesPerSecond)));
 * @throws KwireError EINVAL_ARGUMENT for a bad option, or (as the stream's error) a `by` column the
 *   batches do not have.
 */
export function topTalkers<B extends FlowColumnsIn>(options: Readonly<Partial<TopTalkersOptions>> = {}): OperatorFunction<B, TopTalkers> {
  const fn = 'topTalkers()';
  checkOptions(fn, options);
  const { by = ['srcAddr', 'dstAddr', 'dstPort', 'proto'], window = 10_000, limit = 10, sort = 'bytes', maxKeys = 16_384, maxFlows = 65_536, idleSteps = 60, scheduler = asyncScheduler, time = 'scheduler' } = options;
  const every = options.every ?? window;
  checkStrings(fn, 'by', by);
  if (by.length === 0 || by.length > 8) invalidArgument(fn, `by must name 1 to 8 columns, got ${by.length}`);
  checkNumber(fn, 'window', window, 'a positive integer of milliseconds', (n) => Number.isInteger(n) && n > 0);
  checkNumber(fn, 'every', every, `a positive integer of milliseconds that divides window (${window})`, (n) => Number.isInteger(n) && n > 0 && window % n === 0);
  checkInteger(fn, 'limit', limit, 1, 1 << 20, '2^20');
  checkOneOf(fn, 'sort', sort, ['bytes', 'packets', 'records']);
  checkInteger(fn, 'maxKeys', maxKeys, 1, 1 << 24, '2^24');
  checkInteger(fn, 'maxFlows', maxFlows, 1, 1 << 24, '2^24');
  checkInteger(fn, 'idleSteps', idleSteps, 0, 1 << 30, '2^30');
  checkOneOf(fn, 'time', time, ['scheduler', 'records']);
  const byRecords = time === 'records';
  const steps = window / every;

  return (source) =>
    new Observable<TopTalkers>((subscriber) => {
      let sums: FlowSums | undefined;
      let columns: KeyColumn[] = [];
      const history: Map<string, Acc>[] = [];
      const total = new Map<string, Acc>();
      let stepStart = byRecords ? 0 : scheduler.now();
      let started = stepStart;
      let stepEndNs: bigint | undefined; // time 'records': where the current step ends

      const emitStep = (now: number) => {
        if (!sums) {
          subscriber.next({ start: steps > 1 ? Math.max(started, now - window) : stepStart, end: now, rows: [], keys: 0, dropped: { keys: 0, flows: 0, flowsEvicted: 0 }, flows: 0 });
          stepStart = now;
          return;
        }
        const step = new Map<string, Acc>();
        for (const s of sums.take(idleSteps)) step.set(latin1(s.key), s);
        if (steps > 1) {
          for (const [k, s] of step) addTo(total, k, s, 1);
          history.push(step);
          if (history.length > steps) for (const [k, s] of history.shift()!) addTo(total, k, s, -1);
        }
        const current = steps > 1 ? total : step;
        const start = steps > 1 ? Math.max(started, now - window) : stepStart;
        const seconds = Math.max(now - start, 1) / 1000;
        const rank = (a: Acc) => (sort === 'bytes' ? a.bytesOrig + a.bytesRet : sort === 'packets' ? a.packetsOrig + a.packetsRet : a.records);
        const top = [...current.values()].sort((a, b) => rank(b) - rank(a)).slice(0, limit);
        const c = sums.counters();
        subscriber.next({
          start, end: now, keys: current.size, flows: c.flows,
          dropped: { keys: c.keyOverflow, flows: c.flowOverflow, flowsEvicted: c.flowsEvicted },
          rows: top.map((a) => {
            const bytes = a.bytesOrig + a.bytesRet;
            const packets = a.packetsOrig + a.packetsRet;
            return {
              key: readKey(columns, a.key), bytes, packets, bytesOrig: a.bytesOrig, bytesRet: a.bytesRet, packetsOrig: a.packetsOrig, packetsRet: a.packetsRet,
              records: a.records, bytesPerSecond: bytes / seconds, packetsPerSecond: packets / seconds,
            };
          }),
        });
        stepStart = now;
      };

      const timer = byRecords ? undefined : interval(every, scheduler).subscribe(() => emitStep(scheduler.now()));
      const everyNs = BigInt(every) * 1_000_000n;
      let lastTs = 0n;
      const lastMs = () => Number(lastTs / 1_000_000n);
      /** time 'records': sums the batch in runs, ending a step at each record at or past its end. */
      const addByRecords = (batch: B, keys: ArrayBufferView[]) => {
        const ts = (batch as unknown as { ts?: unknown }).ts;
        if (!(ts instanceof BigUint64Array)) invalidArgument(fn, "time: 'records' needs batches with a ts column (BigUint64Array)");
        let from = 0;
        for (let i = 0; i < batch.length; i++) {
          const t = ts[i]!;
          if (t > lastTs) lastTs = t;
          if (stepEndNs === undefined) {
            const begin = (t / everyNs) * everyNs;
            stepEndNs = begin + everyNs;
            started = stepStart = Number(begin / 1_000_000n);
          }
          if (t < stepEndNs) continue;
          if (i > from) sums!.add(slice(batch, from, i), slices(keys, columns, from, i));
          from = i;
          // Steps without a record are reported empty; past a thousand of them, skip to this record's.
          for (let n = 0; t >= stepEndNs; n++) {
            if (n === 1000) {
              stepEndNs = (t / everyNs) * everyNs;
              stepStart = Number(stepEndNs / 1_000_000n);
            } else emitStep(Number(stepEndNs / 1_000_000n));
            stepEndNs += everyNs;
          }
        }
        if (from < batch.length) sums!.add(from === 0 ? batch : slice(batch, from, batch.length), from === 0 ? keys : slices(keys, columns, from, batch.length));
      };
      const upstream = source.subscribe({
        next: (batch) => {
          try {
            if (!sums) {
              columns = keyColumns(fn, by, batch);
              sums = new FlowSums(columns.map((c) => c.width), maxKeys, maxFlows);
            }
            const keys = columns.map((c) => c.column(batch));
            if (byRecords) addByRecords(batch, keys);
            else sums.add(batch, keys);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (byRecords) {
            // The last step ends at its last record's time (a partial step), or at once when empty.
            if (sums) emitStep(Math.max(lastMs(), stepStart + 1));
            subscriber.complete();
            return;
          }
          const now = scheduler.now();
          if (now > stepStart || sums) emitStep(now);
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        upstream.unsubscribe();
      };
    });
}

function addTo(total: Map<string, Acc>, k: string, s: KeySums | Acc, sign: 1 | -1): void {
  let a = total.get(k);
  if (!a) total.set(k, (a = { key: s.key, bytesOrig: 0, bytesRet: 0, packetsOrig: 0, packetsRet: 0, records: 0 }));
  a.bytesOrig += sign * s.bytesOrig;
  a.bytesRet += sign * s.bytesRet;
  a.packetsOrig += sign * s.packetsOrig;
  a.packetsRet += sign * s.packetsRet;
  a.records += sign * s.records;
  if (a.records <= 0) total.delete(k);
}

/** Records [from, to) of a batch's flow columns, as views. */
function slice<B extends FlowColumnsIn>(b: B, from: number, to: number): FlowColumnsIn {
  return {
    length: to - from, cookie: b.cookie.subarray(from, to), kind: b.kind.subarray(from, to),
    packetsOrig: b.packetsOrig.subarray(from, to), bytesOrig: b.bytesOrig.subarray(from, to), packetsRet: b.packetsRet.subarray(from, to), bytesRet: b.bytesRet.subarray(from, to),
  };
}

/** Records [from, to) of the key columns, as byte views. */
function slices(keys: readonly ArrayBufferView[], columns: readonly KeyColumn[], from: number, to: number): ArrayBufferView[] {
  return keys.map((k, c) => new Uint8Array(k.buffer, k.byteOffset + from * columns[c]!.width, (to - from) * columns[c]!.width));
}
