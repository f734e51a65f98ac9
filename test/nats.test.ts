// @kwire/nats against a real nats-server with JetStream (Debian's, on a loopback port of 21800-21899,
// its store in a temporary directory): the message codec, two simulated hosts publishing real loadgen
// records while the server restarts, one central durable consumer that restarts too, and a slow
// consumer whose publisher stays bounded and counts what it drops.
import { spawn } from 'node:child_process';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, RetentionPolicy, DiscardPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { FrameDecoder, execDecoder, loadgenDecoder, type LoadgenBatch, type LoadgenEvent } from 'kwire';
import { batchFromSlab, batchSlab } from 'kwire/gen';
import { natsSink, natsSource, natsUrlOptions } from '@kwire/nats';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { natsServerMissing, startNatsServer, type NatsServer } from './helpers/nats-server.js';
import { repoPath } from './helpers/repo.js';
import { encodeLoadgen } from './reference/loadgen.js';
import { encodeExec } from './reference/exec.js';
import { concat, frame } from './reference/frames.js';

const missing = natsServerMissing();
const liveMissing = missing ?? liveSkipReason;

interface HostResult {
  host: string;
  seqs: number[];
  loadgen: { received: number; lost: { kernel: number; ring: number } };
  sink: ReturnType<ReturnType<typeof natsSink>['stats']>;
  maxInFlight: number;
}

function runHost(args: object): { done: Promise<HostResult>; kill(): void } {
  const child = spawn(process.execPath, [repoPath('test/helpers/nats-host.mjs'), JSON.stringify(args)], { cwd: repoPath('test'), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<HostResult>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as HostResult) : reject(new Error(`host exited ${code}: ${err}`)))),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

async function waitForStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for (let i = 0; ; i++) {
      if (await jsm.streams.info(stream).then(() => true, () => false)) return;
      if (i > 500) throw new Error(`no stream ${stream}`);
      await sleep(20);
    }
  } finally {
    await nc.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('batch slabs (the message payload)', () => {
  it('rebuild the decoder\'s own batch class with the same columns', () => {
    const frames = concat(Array.from({ length: 100 }, (_, i) => frame(loadgenDecoder.sourceId, encodeLoadgen({ seq: BigInt(i), ts: BigInt(1000 + i), cpu: i % 3, tag: 7 }))));
    const [batch] = new FrameDecoder(loadgenDecoder).decode(frames).batches as LoadgenBatch[];
    const slab = batchSlab(batch!)!;
    expect(slab).toMatchObject({ length: 100, heap: 0 });
    const copy = new Uint8Array(slab.bytes.byteLength + 3).subarray(3); // unaligned, as inside a message
    copy.set(slab.bytes);
    const back = batchFromSlab(loadgenDecoder, { ...slab, bytes: copy }) as LoadgenBatch;
    expect(back.constructor).toBe(batch!.constructor);
    expect([...back]).toEqual([...batch!]);
    expect(batchSlab(batch!.select([1, 5]))).toBeUndefined(); // columns of their own: not one slab
    expect(() => batchFromSlab(loadgenDecoder, { ...slab, bytes: slab.bytes.subarray(0, 10) })).toThrow(RangeError);
  });

  it('carry the string heap of exec batches', () => {
    const frames = concat([1, 2].map((pid) => frame(execDecoder.sourceId, encodeExec({ pid, ppid: 1, uid: 0, gid: 0, pidns: 1, flags: 0, cgroupId: 5n, ts: 9n, comm: 'sh', filename: '/bin/sh', argv: ['sh', '-c', `exit ${pid}`] }))));
    const [batch] = new FrameDecoder(execDecoder).decode(frames).batches;
    const slab = batchSlab(batch!)!;
    expect(slab.heap).toBeGreaterThan(0);
    expect([...batchFromSlab(execDecoder, slab)]).toEqual([...batch!]);
  });
});

describe('stream URLs', () => {
  it('name the server, stream and consumer', () => {
    expect(natsUrlOptions('nats://127.0.0.1:4222/FLEET?durable=central&since=2026-12-01T00:00:00Z&follow=false')).toEqual({
      servers: 'nats://127.0.0.1:4222', stream: 'FLEET', durable: 'central', since: '2026-12-01T00:00:00Z', follow: false,
    });
    expect(natsUrlOptions('nats://h:1')).toEqual({ servers: 'nats://h:1' });
    expect(() => natsUrlOptions('nats://h:1/S?color=red')).toThrow(/unknown query key 'color'/);
  });

  it('refuse bad options before connecting', () => {
    expect(() => natsSink({ servers: '' })).toThrow(/servers must be a NATS URL/);
    expect(() => natsSink({ servers: 'nats://x:1', host: 'a.b' })).toThrow(/host must be one subject token/);
    expect(() => natsSink({ servers: 'nats://x:1', maxInFlight: 0 })).toThrow(/maxInFlight must be an integer from 1/);
    expect(() => natsSource({ servers: 'nats://x:1', since: 'yesterday' })).toThrow(/since must be a Date/);
    expect(() => natsSource({ servers: 'nats://x:1', sources: ['nope'] })).toThrow(/unknown source 'nope'/);
  });
});

describe.skipIf(missing !== undefined)(`a real nats-server${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('follow: false reads every message stored when it started, however many a pull buffers', async () => {
    const n = 300;
    const frames = concat(Array.from({ length: 100 }, (_, i) => frame(loadgenDecoder.sourceId, encodeLoadgen({ seq: BigInt(i), ts: 1n, cpu: 0, tag: 3 }))));
    const batch = new FrameDecoder(loadgenDecoder).decode(frames).batches[0]!;
    const sink = natsSink({ servers: server.url, host: 'many', stream: 'KW18MANY', subjectPrefix: 'many', messageBytes: 1024, maxQueue: n });
    await lastValueFrom(from(Array.from({ length: n }, () => batch)).pipe(sink), { defaultValue: undefined });
    expect(sink.stats()).toMatchObject({ acked: n, ackedEvents: 100 * n, streamCreated: true });
    for (const options of [{}, { durable: 'many' }]) {
      const source = natsSource({ servers: server.url, stream: 'KW18MANY', follow: false, maxAckPending: 64, ...options });
      const batches = await lastValueFrom(source.pipe(toArray()));
      expect(batches.length).toBe(n);
      expect(source.stats()).toMatchObject({ messages: n, records: 100 * n, duplicates: 0, skipped: 0, hosts: { many: 100 * n } });
    }
  });

  it('refuses a server that does not answer with ENATS', async () => {
    const error = await new Promise<Error>((resolve) => natsSource({ servers: 'nats://127.0.0.1:21899' }).subscribe({ error: resolve }));
    expect(error).toMatchObject({ code: 'ENATS' });
  });

  it.skipIf(liveMissing !== undefined)(`two hosts publish while the server restarts; a central durable consumer, restarted too, gets every event once${liveMissing ? ` (skipped: ${liveMissing})` : ''}`, async () => {
    const count = 120_000;
    const hosts = ['hostA', 'hostB'].map((host, i) => runHost({ servers: server.url, host, count, rate: 40_000, tag: i + 1 }));
    const seen = new Map<string, Map<number, number>>(); // host → seq → times
    const take = (host: string, e: LoadgenEvent) => {
      const m = seen.get(host) ?? new Map<number, number>();
      seen.set(host, m);
      m.set(Number(e.seq), (m.get(Number(e.seq)) ?? 0) + 1);
    };
    const consume = () => {
      const source = natsSource({ servers: server.url, durable: 'central', ackWaitMs: 1000 });
      const sub = source.subscribe({ next: ({ host, batch }) => { for (const e of batch as LoadgenBatch) take(host, e); }, error: (e: unknown) => (failure = e) });
      return { source, sub };
    };
    let failure: unknown;
    const total = () => {
      if (failure) throw failure;
      return [...seen.values()].reduce((n, m) => n + m.size, 0);
    };

    await waitForStream(server.url, 'KWIRE'); // the first sink creates it
    let c = consume();
    await until('the first events at the centre', () => total() > 20_000);
    await server.stop(); // mid-run: the hosts keep generating, their publishes wait and are re-sent
    await sleep(500);
    await server.start();
    await until('events after the restart', () => total() > 60_000);
    c.sub.unsubscribe(); // the central consumer restarts: the durable resumes after its acks
    await sleep(200);
    c = consume();
    const results = await Promise.all(hosts.map((h) => h.done));
    const expected = results.reduce((n, r) => n + r.seqs.length, 0);
    await until('every event at the centre', () => total() >= expected, 20_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${total()} of ${expected}; hosts ${JSON.stringify(results.map((r) => ({ ...r, seqs: r.seqs.length })))}; consumer ${JSON.stringify(c.source.stats())}`);
    });
    await sleep(300); // anything more would be a duplicate
    c.sub.unsubscribe();

    for (const r of results) {
      expect(r.sink.dropped).toEqual({ queueFull: 0, tooLarge: 0, unencodable: 0, closed: 0, messages: 0 });
      expect(r.sink.ackedEvents).toBe(r.seqs.length);
      expect(r.sink.reconnects).toBeGreaterThanOrEqual(1); // the restart happened while it published
      const got = seen.get(r.host)!;
      expect(got.size).toBe(r.seqs.length); // nothing lost
      expect([...got.values()].filter((times) => times > 1)).toEqual([]); // nothing twice
      for (const s of r.seqs) expect(got.has(s)).toBe(true);
    }
  }, 60_000);

  it.skipIf(liveMissing !== undefined)(`a slow consumer bounds the publisher, which counts what it drops${liveMissing ? ` (skipped: ${liveMissing})` : ''}`, async () => {
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    // A work queue of 4 messages that refuses more: only the consumer's acks make room.
    await jsm.streams.add({ name: 'KW18SLOW', subjects: ['slow.>'], retention: RetentionPolicy.Workqueue, max_msgs: 4, discard: DiscardPolicy.New, storage: StorageType.Memory });
    await nc.close();
    const host = runHost({ servers: server.url, host: 'hostS', count: 60_000, sink: { subjectPrefix: 'slow', stream: 'KW18SLOW', maxQueue: 4, maxInFlight: 2, messageBytes: 16 << 10 } });
    const got = new Map<number, number>();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const source = natsSource({ servers: server.url, stream: 'KW18SLOW', durable: 'slow', maxAckPending: 1 });
    let failure: unknown;
    const sub = source.subscribe({
      next: ({ batch }) => {
        for (const e of batch as LoadgenBatch) got.set(Number(e.seq), (got.get(Number(e.seq)) ?? 0) + 1);
        Atomics.wait(pause, 0, 0, 20); // a slow consumer: 20 ms a batch
      },
      error: (e: unknown) => (failure = e),
    });
    const r = await host.done;
    await until('every acknowledged event at the consumer', () => {
      if (failure) throw failure;
      return got.size >= r.sink.ackedEvents;
    });
    await sleep(200);
    sub.unsubscribe();

    expect(r.sink.dropped.queueFull).toBeGreaterThan(0); // counted, not silent
    expect(r.sink.events).toBe(r.sink.ackedEvents + r.sink.dropped.queueFull); // every event delivered or counted
    expect(r.sink.maxQueued).toBeLessThanOrEqual(4); // bounded memory: queue …
    expect(r.maxInFlight).toBeLessThanOrEqual(2); // … and window
    expect(got.size).toBe(r.sink.ackedEvents);
    expect([...got.values()].filter((times) => times > 1)).toEqual([]);
    const generated = new Set(r.seqs);
    for (const s of got.keys()) expect(generated.has(s)).toBe(true);
  }, 60_000);
});
