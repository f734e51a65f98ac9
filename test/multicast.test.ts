// multicast (pipeline/multicast.ts) is the share() of every kwire source without rxjs's Subject: the
// same observations as share() for the same sources and subscriber lifetimes, checked against share()
// itself, scenario by scenario and on random schedules.
import fc from 'fast-check';
import { Observable, of, share, Subject, take, throwError, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { multicast } from '../packages/kwire/src/pipeline/multicast.js';

type Op = { t: 'sub' } | { t: 'unsub'; who: number } | { t: 'next'; v: number } | { t: 'error' } | { t: 'complete' };

/** Runs `ops` against a source made shared by `shareIt`: what each subscriber saw, and how often the
 *  source was connected and disconnected. */
function run(ops: readonly Op[], shareIt: <T>(o: Observable<T>) => Observable<T>): { seen: string[][]; connects: number; disconnects: number } {
  let connects = 0;
  let disconnects = 0;
  let upstream = new Subject<number>();
  const source = new Observable<number>((s) => {
    connects++;
    const sub = upstream.subscribe(s);
    return () => {
      disconnects++;
      sub.unsubscribe();
    };
  });
  const shared = shareIt(source);
  const seen: string[][] = [];
  const subs: Subscription[] = [];
  for (const op of ops) {
    if (op.t === 'sub') {
      const mine: string[] = [];
      seen.push(mine);
      subs.push(shared.subscribe({ next: (v) => mine.push(`n${v}`), error: () => mine.push('E'), complete: () => mine.push('C') }));
    } else if (op.t === 'unsub') subs[op.who % Math.max(1, subs.length)]?.unsubscribe();
    else if (op.t === 'next') upstream.next(op.v);
    else if (op.t === 'error') (upstream.error(new Error('x')), (upstream = new Subject<number>()));
    else (upstream.complete(), (upstream = new Subject<number>()));
  }
  return { seen, connects, disconnects };
}

const rxShare = <T>(o: Observable<T>) => o.pipe(share());

describe('multicast: share() without a Subject', () => {
  it('observes what share() observes on random schedules of subscribes, unsubscribes, values, errors and completes', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ t: 'sub' }),
      fc.nat(8).map<Op>((who) => ({ t: 'unsub', who })),
      fc.integer({ min: 0, max: 99 }).map<Op>((v) => ({ t: 'next', v })),
      fc.constant<Op>({ t: 'error' }),
      fc.constant<Op>({ t: 'complete' }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      expect(run(ops, multicast)).toEqual(run(ops, rxShare));
    }), { numRuns: 500 });
  });

  it('connects once for two subscribers and disconnects after the last leaves', () => {
    const r = run([{ t: 'sub' }, { t: 'sub' }, { t: 'next', v: 1 }, { t: 'unsub', who: 0 }, { t: 'next', v: 2 }, { t: 'unsub', who: 1 }, { t: 'sub' }, { t: 'next', v: 3 }], multicast);
    expect(r).toEqual({ seen: [['n1'], ['n1', 'n2'], ['n3']], connects: 2, disconnects: 1 });
  });

  it('delivers a synchronous source, a synchronous error and take(1) as share() does', () => {
    const collect = (o: Observable<number>) => {
      const out: string[] = [];
      o.subscribe({ next: (v) => out.push(`n${v}`), error: () => out.push('E'), complete: () => out.push('C') });
      o.subscribe({ next: (v) => out.push(`m${v}`), error: () => out.push('E2'), complete: () => out.push('C2') });
      return out;
    };
    for (const make of [() => of(1, 2, 3), () => throwError(() => new Error('x')), () => of(1, 2).pipe(take(1))]) {
      expect(collect(multicast(make()))).toEqual(collect(make().pipe(share())));
    }
  });

  it('a subscriber that leaves inside next() gets nothing more, the others get everything', () => {
    const upstream = new Subject<number>();
    const shared = multicast(upstream);
    const a: number[] = [];
    const b: number[] = [];
    const subA: Subscription = shared.subscribe((v) => (a.push(v), v === 2 && subA.unsubscribe()));
    shared.subscribe((v) => b.push(v));
    [1, 2, 3].forEach((v) => upstream.next(v));
    expect([a, b]).toEqual([[1, 2], [1, 2, 3]]);
  });
});
