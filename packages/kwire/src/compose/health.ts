// health(): each source's counters turned into a stream of rates, losses by cause and queue fill, so
// an application can alarm on loss (Falco's drop alerts, Tetragon's missed-event counters).
import { Observable, asyncScheduler, interval, type SchedulerLike } from 'rxjs';
import { checkInteger, checkOptions, invalidArgument } from '../validate.js';
import type { SourceStats } from '../pipeline/stats.js';
import type { FlowStats } from '../kinds/flow-consumer.js';

/** Anything with counters: a live source (execs(), exits(), flows()…), a replay, a kernelSource. */
export interface StatsSource {
  /** The source's counters now. */
  stats(): SourceStats | FlowStats | { records?: number; lost?: { kernel: number; ring: number }; decodeErrors?: SourceStats['decodeErrors'] };
}

/** Records lost, by where they were lost. */
export interface LossByCause {
  /** The kernel side could not output them (BPF ring reserve failures, perf lost records). */
  kernel: number;
  /** The addon dropped them (larger than half the shared ring). */
  ring: number;
  /** The decoder skipped them (bad records). */
  decode: number;
  /** A consumer's queue was full (flows()). */
  queue: number;
  /** New flows the probe's table had no room for (flows()). */
  table: number;
}

/** One source's health over the last interval. */
export interface SourceHealth {
  name: string;
  /** Scheduler time of the reading, ms. */
  at: number;
  /** Records received in all. */
  received: number;
  receivedPerSecond: number;
  /** Losses in all, by cause. */
  lost: LossByCause;
  /** Losses per second over the interval, by cause. */
  lostPerSecond: LossByCause;
  /** Lost / (received + lost) over the interval: 0 when nothing was lost. */
  lossRatio: number;
  /** Bytes waiting in the shared ring, and how full it is (0..1, when its size is known). */
  queueLength: number;
  queueFill?: number;
  /** Times the ring was full and reading the kernel paused, per second. */
  ringFullWaitsPerSecond: number;
}

export interface HealthOptions {
  /** Ms between readings. Default: 1000. */
  interval: number;
  scheduler: SchedulerLike;
}

interface Reading { received: number; lost: LossByCause; ringFullWaits: number; queueLength: number; queueFill?: number }

const causes = ['kernel', 'ring', 'decode', 'queue', 'table'] as const;

function read(s: ReturnType<StatsSource['stats']>): Reading {
  const sum = (d: SourceStats['decodeErrors'] | undefined) => Object.values(d ?? {}).reduce((a, b) => a + (b ?? 0), 0);
  if ('probe' in s && 'consumer' in s) {
    const p = s.probe;
    return {
      received: s.consumer.received, ringFullWaits: p.ringFullWaits, queueLength: p.queueLength,
      lost: { kernel: p.lost.kernel, ring: p.lost.ring, decode: sum(p.decodeErrors), queue: s.consumer.lost, table: p.tableFull },
      ...(p.ringCapacity ? { queueFill: p.queueLength / p.ringCapacity } : {}),
    };
  }
  const x = s as Partial<SourceStats> & { records?: number };
  return {
    received: x.received ?? x.records ?? 0, ringFullWaits: x.ringFullWaits ?? 0, queueLength: x.queueLength ?? 0,
    lost: { kernel: x.lost?.kernel ?? 0, ring: x.lost?.ring ?? 0, decode: sum(x.decodeErrors), queue: 0, table: 0 },
    ...(x.ringCapacity ? { queueFill: (x.queueLength ?? 0) / x.ringCapacity } : {}),
  };
}

/**
 * Every `interval` ms, one reading per source: records/s, losses in all and per second by cause
 * (kernel, ring, decode, consumer queue, flow table), the loss ratio over the interval and how full
 * the shared ring is. Cold; reads only the sources' stats(), never subscribes to them.
 *
 * @example
 * const exec = execs();
 * exec.subscribe();
 * health({ exec }).subscribe((readings) => readings.filter((h) => h.lossRatio > 0).forEach((h) => console.warn(`${h.name} losing`, h.lostPerSecond)));
 * @throws KwireError EINVAL_ARGUMENT for a bad option or a source without stats().
 */
export function health(sources: Readonly<Record<string, StatsSource>>, options: Readonly<Partial<HealthOptions>> = {}): Observable<SourceHealth[]> {
  const fn = 'health()';
  checkOptions(fn, sources, 'sources');
  checkOptions(fn, options);
  for (const [name, s] of Object.entries(sources)) if (typeof s?.stats !== 'function') invalidArgument(fn, `sources.${name} must have a stats() method`);
  const { interval: every = 1000, scheduler = asyncScheduler } = options;
  checkInteger(fn, 'interval', every, 1, 2 ** 31, '2^31');
  return new Observable<SourceHealth[]>((subscriber) => {
    const last = new Map<string, { at: number; r: Reading }>();
    const start = scheduler.now();
    for (const [name, s] of Object.entries(sources)) last.set(name, { at: start, r: read(s.stats()) });
    return interval(every, scheduler).subscribe(() => {
      const at = scheduler.now();
      subscriber.next(
        Object.entries(sources).map(([name, s]) => {
          const r = read(s.stats());
          const before = last.get(name)!;
          last.set(name, { at, r });
          const seconds = Math.max(at - before.at, 1) / 1000;
          // A source re-attached since the last reading starts its counters again: count from zero.
          const delta = (now: number, then: number) => (now >= then ? now - then : now);
          const lostPerSecond = Object.fromEntries(causes.map((c) => [c, delta(r.lost[c], before.r.lost[c]) / seconds])) as unknown as LossByCause;
          const got = delta(r.received, before.r.received);
          const lost = causes.reduce((a, c) => a + delta(r.lost[c], before.r.lost[c]), 0);
          return {
            name, at, received: r.received, receivedPerSecond: got / seconds, lost: r.lost, lostPerSecond,
            lossRatio: lost === 0 ? 0 : lost / (got + lost), queueLength: r.queueLength, ...(r.queueFill !== undefined ? { queueFill: r.queueFill } : {}),
            ringFullWaitsPerSecond: delta(r.ringFullWaits, before.r.ringFullWaits) / seconds,
          };
        }),
      );
    });
  });
}
