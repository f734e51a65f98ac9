// Live soak: every live source subscribed and unsubscribed many times, in every way a consumer can
// (before anything arrived, with records flowing, two subscribers sharing one attachment, from inside
// next(), with a next() that throws), then nothing may remain: fds and threads back to their count,
// every BPF program this process held unloaded, WebAssembly memories back to their count, RSS bounded.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, Subscription, type Observable, type Observer } from 'rxjs';
import { execs, execDecoder, exits, flows, loadgen, procEvents, procs, source, type Transport } from 'kwire';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { fdCount, heldProgramIds, programsFreed, rssAfterGc, settlesTo, sleep, threadCount, wasmMemoryCount } from './helpers/leaks.js';
import { repoPath } from './helpers/repo.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileKind, type CompiledKind } from 'kwire/gen';
import { toyKind } from './fixtures/toy.kind.mjs';

const CYCLES = 50;
// RSS may grow by this much over one source's cycles (and over the whole file). One attachment costs
// a fresh WebAssembly memory (the shared ring, 64 KiB to 4 MiB here, plus the decoder's columns) and the
// kernel rings' mappings, all released on unsubscribe; what stays is V8's and glibc's heap high-water
// mark, a few MiB. A leak of one ring per cycle would be 50 × 4 MiB = 200 MiB, far above the bound.
const RSS_BOUND_MIB = 64;

interface Subject {
  name: string;
  /** A fresh source, as a user would create it. */
  make(): Observable<unknown>;
  /** Makes the kernel write at least one record soon. */
  poke(): void;
  /** The source completes by itself (loadgen, a file). */
  completes?: boolean;
  /** false: a producer that is not BPF (no program is held while attached). */
  bpf?: false;
}

const trueProcess = () => void spawn('/bin/true', { stdio: 'ignore' }).on('error', () => {});
function udpPacket(): void {
  // A new socket, so a new flow (a flow's first packet is always reported).
  const s = createSocket('udp4');
  s.send('kwire soak', 9, '127.0.0.1', () => s.close());
}

type Scenario = 'idle' | 'flowing' | 'shared' | 'unsubscribe-in-next' | 'throwing-next';
const scenarios: Scenario[] = ['idle', 'flowing', 'shared', 'unsubscribe-in-next', 'throwing-next'];

/** Until `check`, poking the kernel between looks. */
async function until(what: string, check: () => boolean, poke: () => void, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(10)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    poke();
  }
}

/** One subscribe/unsubscribe cycle; returns the ids of the programs held while attached. A failed
 *  expectation still unsubscribes, so that it does not fail every later test too. */
async function cycle(subject: Subject, scenario: Scenario): Promise<number[]> {
  const all = new Subscription();
  try {
    return await run(subject, scenario, all);
  } finally {
    all.unsubscribe();
  }
}

async function run(subject: Subject, scenario: Scenario, all: Subscription): Promise<number[]> {
  const made = subject.make();
  const src = {
    subscribe: (observer?: Partial<Observer<unknown>> | ((value: unknown) => void)): Subscription => {
      const sub = made.subscribe(observer);
      all.add(sub);
      return sub;
    },
  };
  const { poke } = subject;
  if (scenario === 'idle') {
    // Unsubscribed before the kernel could deliver anything (loadgen: while it generates).
    const sub = src.subscribe();
    const ids = heldProgramIds();
    expect(wasmMemoryCount(), "the measure sees the attachment's memory").toBeGreaterThan(0);
    sub.unsubscribe();
    return ids;
  }
  if (scenario === 'flowing') {
    let n = 0;
    let done = false;
    const sub = src.subscribe({ next: () => n++, complete: () => (done = true) });
    const ids = heldProgramIds();
    await until('a batch', () => (subject.completes ? done : n > 0), poke);
    sub.unsubscribe();
    return ids;
  }
  if (scenario === 'shared') {
    let a = 0;
    let b = 0;
    // Compared without what was held before (loadgen: a generator run of an earlier cycle may still
    // hold its program until it ends).
    const pre = heldProgramIds();
    const ours = () => heldProgramIds().filter((id) => !pre.includes(id));
    const first = src.subscribe(() => a++);
    const ids = ours();
    const second = src.subscribe(() => b++);
    expect(ours(), 'a second subscriber shares the attachment').toEqual(ids);
    await until('a batch for each subscriber', () => (a > 0 && b > 0) || (subject.completes === true && first.closed), poke);
    first.unsubscribe();
    if (!second.closed) expect(ours(), 'the other subscriber keeps the attachment').toEqual(ids);
    second.unsubscribe();
    return ids;
  }
  if (scenario === 'unsubscribe-in-next') {
    let sub: Subscription | undefined;
    let called = 0;
    sub = src.subscribe(() => {
      called++;
      sub!.unsubscribe();
    });
    const ids = heldProgramIds();
    await until('a batch', () => called > 0 || sub!.closed, poke);
    expect(called).toBeLessThanOrEqual(1);
    return ids;
  }
  // A consumer whose next() throws: RxJS reports the error (to config.onUnhandledError, set for this
  // file) and the subscription lives on until the consumer unsubscribes.
  const seen = thrown.length;
  const sub = src.subscribe(() => {
    throw new Error('consumer failed');
  });
  const ids = heldProgramIds();
  await until('the consumer to throw', () => thrown.length > seen, poke);
  sub.unsubscribe();
  return ids;
}

/** The messages of errors thrown by consumers' next(), as RxJS reported them. Not the errors: an error
 *  holds its stack's frames until its stack is formatted, and with them the source's closures (the
 *  decoder's memory); keeping the errors would be the test's leak, not the source's. */
const thrown: string[] = [];

interface Counts {
  fds: number;
  threads: number;
  wasm: number;
  rss: number;
}
async function counts(): Promise<Counts> {
  const rss = await rssAfterGc();
  return { fds: fdCount(), threads: threadCount(), wasm: wasmMemoryCount(), rss };
}

const figures: Record<string, { before: Counts; after: Counts }> = {};

const subjects: Subject[] = [
  ...(['ringbuf', 'perf'] as Transport[]).flatMap((transport): Subject[] => [
    { name: `exec over ${transport}`, make: () => execs({ transport, ringCapacity: 1 << 20 }), poke: trueProcess },
    { name: `exits over ${transport}`, make: () => exits({ transport }), poke: trueProcess },
    {
      name: `loadgen over ${transport}`,
      make: () => loadgen({ transport, count: 2000, kernelRingBytes: 1 << 16, ringCapacity: 1 << 16, batchSize: 256 }),
      poke: () => {},
      completes: true,
    },
  ]),
  { name: 'flows (cgroup_skb)', make: () => flows({ idleTimeout: 1000 }), poke: udpPacket },
  // source(): the user's path, here over kwire's own exec object and decoder (a decoder of the user's
  // own struct costs an AssemblyScript compile, seconds: test/user-program.live.test.ts does that once).
  { name: 'source()', make: () => source({ object: repoPath('bpf/.output/exec.bpf.o'), map: 'events', decoder: execDecoder, ringCapacity: 1 << 20 }), poke: trueProcess },
  // The proc connector (no BPF): one netlink socket shared by the subscribers, closed by the last.
  { name: 'procs (proc connector)', make: () => procs({ ringCapacity: 1 << 16 }), poke: trueProcess, bpf: false },
  { name: 'procEvents (proc connector, /proc table)', make: () => procEvents({ ringCapacity: 1 << 16 }), poke: trueProcess, bpf: false },
  // The fd producer (no BPF): a kind declared in one file reading a file of records to its end.
  { name: 'toy kind (fd producer)', make: () => toy!.source({ path: toyRecords }), poke: () => {}, completes: true, bpf: false },
];

let toy: CompiledKind<unknown, { path: string }> | undefined;
const toyRecords = join(mkdtempSync(join(tmpdir(), 'kwire-soak-')), 'toy.bin');
{
  const bytes = new Uint8Array(200 * 36);
  for (let i = 0; i < 200; i++) new DataView(bytes.buffer).setUint32(i * 36, 32, true);
  writeFileSync(toyRecords, bytes);
}

describe.skipIf(!canRunLive)(`soak: subscribe and unsubscribe ${CYCLES} times per source${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  let start: Counts;
  const saved = config.onUnhandledError;
  beforeAll(async () => {
    toy = await compileKind(toyKind);
    config.onUnhandledError = (e) => thrown.push((e as Error).message);
    start = await counts();
  });
  afterAll(async () => {
    await sleep(50); // reports RxJS scheduled before the last unsubscribe
    config.onUnhandledError = saved;
    console.log('soak figures (fds, threads, wasm memories, RSS MiB):');
    for (const [name, { before, after }] of Object.entries(figures)) {
      console.log(`  ${name}: ${before.fds}→${after.fds}, ${before.threads}→${after.threads}, ${before.wasm}→${after.wasm}, ${before.rss.toFixed(1)}→${after.rss.toFixed(1)}`);
    }
  });

  it.each(subjects)('$name: nothing left after every way of unsubscribing', async (subject) => {
    // One cycle of each kind first: what stays for the process's lifetime (the addon, the compiled
    // WASM module, libuv's thread pool that loadgen's generator runs on) is not a leak.
    for (const s of scenarios) await cycle(subject, s);
    await sleep(50);
    const before = await counts();
    const held = new Set<number>();
    for (let i = 0; i < CYCLES; i++) {
      const ids = await cycle(subject, scenarios[i % scenarios.length]!);
      if (subject.bpf !== false) expect(ids.length, `cycle ${i}: programs held while attached`).toBeGreaterThan(0);
      for (const id of ids) held.add(id);
    }
    expect(await settlesTo(fdCount, before.fds), 'open fds').toBe(before.fds);
    expect(await settlesTo(threadCount, before.threads), 'threads').toBe(before.threads);
    expect(await settlesTo(wasmMemoryCount, before.wasm), 'live WebAssembly memories').toBe(before.wasm);
    expect(heldProgramIds()).toEqual([]);
    expect(await programsFreed(held), 'programs still loaded').toEqual([]);
    const after = await counts();
    figures[subject.name] = { before, after };
    expect(after.rss - before.rss, 'RSS growth (MiB)').toBeLessThan(RSS_BOUND_MIB);
  });

  it('a subscribe that fails after loading releases what it loaded', async () => {
    const sources = [
      // after load and attach: a map that is not a ring buffer (EMAP), and one that does not exist
      () => source({ object: repoPath('bpf/.output/exec.bpf.o'), map: 'scratch', decoder: execDecoder }),
      () => source({ object: repoPath('bpf/.output/exec.bpf.o'), map: 'no_such_map', decoder: execDecoder }),
    ];
    for (const make of sources) make().subscribe({ error: () => {} }); // warm-up
    const before = await counts();
    for (let i = 0; i < CYCLES; i++) {
      let failed: unknown;
      sources[i % sources.length]!().subscribe({ error: (e: unknown) => (failed = e) });
      expect(failed, `cycle ${i}`).toBeInstanceOf(Error);
      expect(heldProgramIds()).toEqual([]);
    }
    expect(await settlesTo(fdCount, before.fds), 'open fds').toBe(before.fds);
    expect(await settlesTo(threadCount, before.threads), 'threads').toBe(before.threads);
    expect(await settlesTo(wasmMemoryCount, before.wasm), 'live WebAssembly memories').toBe(before.wasm);
    const after = await counts();
    figures['failing subscribe'] = { before, after };
    expect(after.rss - before.rss, 'RSS growth (MiB)').toBeLessThan(RSS_BOUND_MIB);
  });

  it('over the whole file: RSS bounded, nothing held', async () => {
    const end = await counts();
    figures['whole file'] = { before: start, after: end };
    expect(heldProgramIds()).toEqual([]);
    expect(thrown.length).toBeGreaterThan(0);
    expect(thrown.filter((message) => message !== 'consumer failed')).toEqual([]);
    // Every kind adds its own high-water marks (its decoder's code, the proc table's scans of /proc,
    // glibc arenas), which stay; measured here: 71 MiB over 11 subjects, and no growth over 250 more
    // procEvents cycles. A ring leaked per cycle would be 200 MiB on one subject alone.
    expect(end.rss - start.rss, 'RSS growth (MiB)').toBeLessThan(2 * RSS_BOUND_MIB);
  });
});
