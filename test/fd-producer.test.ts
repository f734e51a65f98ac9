// Addon tier, real fds: FdReader (openFdReader), the producer that is not BPF. Files, FIFOs (blocking
// and non-blocking), a pipe written slowly by a child, UNIX datagram and seqpacket socketpairs (made by
// helpers/socketpair.py for a child, since Node cannot create them), back-pressure through small
// shared rings, close() at any time, bad arguments.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FdReader, FdReaderOptions, FdReaderStats } from '@kwire/native';
import { fdRing } from './helpers/fd-ring.js';
import { fdCount, settlesTo, threadCount } from './helpers/leaks.js';
import { run, waitFor } from './helpers/run.js';
import { repoPath } from './helpers/repo.js';

const addon = createRequire(import.meta.url)('@kwire/native') as typeof import('@kwire/native');
const SOURCE = 1; // SourceId.exec: the raw copier of helpers/fd-ring.ts reads that source

/** Record i of a generated stream: `len` bytes of one value, so that order and content both show. */
const payload = (i: number, len: number) => new Uint8Array(len).fill((i * 7 + 1) & 0xff);

/** The u32le stream of `payloads`: u32 little-endian length, then the bytes. */
function u32le(payloads: Uint8Array[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => {
    const h = Buffer.alloc(4);
    h.writeUInt32LE(p.length);
    return [h, p];
  }));
}

const temps: string[] = [];
let tempN = 0;
const tempPath = (name: string) => join(tmpdir(), `kwire-fd-${process.pid}-${tempN++}-${name}`);
afterAll(() => temps.forEach((p) => unlinkSync(p)));

function tempFile(bytes: Uint8Array): string {
  const path = tempPath('records');
  writeFileSync(path, bytes);
  temps.push(path);
  return path;
}

/** A FIFO opened at both ends (then unlinked): the write end non-blocking, the read end either. A
 *  blocking end is opened once the other exists, so that open() returns at once. */
function fifo(options: { blockingRead?: boolean; blockingWrite?: boolean } = {}) {
  const path = tempPath('fifo');
  execFileSync('mkfifo', [path]);
  let r = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const w = openSync(path, constants.O_WRONLY | (options.blockingWrite ? 0 : constants.O_NONBLOCK));
  if (options.blockingRead) {
    const blocking = openSync(path, constants.O_RDONLY);
    closeSync(r);
    r = blocking;
  }
  unlinkSync(path);
  return { r, w };
}

/** Writes all of `bytes` to a non-blocking fd, yielding to the event loop (and so to onData) when the
 *  pipe is full. */
async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await new Promise((r) => setImmediate(r));
    }
  }
}

interface Collected {
  got: Uint8Array[];
  stats: FdReaderStats;
  /** What the ring header says (the producer's counters). */
  oversize: number;
  kernelLost: number;
  fullWaits: number;
}

/** Opens a reader on `fd` and collects every record until it reports `ended`; closes it. */
function readToEnd(fd: number, capacity: number, options?: FdReaderOptions): Promise<Collected> {
  const ring = fdRing(capacity);
  const got: Uint8Array[] = [];
  return new Promise((resolve) => {
    const reader = addon.openFdReader(fd, ring.view, SOURCE, () => {
      got.push(...ring.drain());
      const stats = reader.stats();
      if (!stats.ended) return;
      got.push(...ring.drain()); // published before `ended` was set, after the drain above
      reader.close();
      resolve({ got, stats, oversize: ring.counter('oversize'), kernelLost: ring.counter('kernelLost'), fullWaits: ring.counter('fullWaits') });
    }, options);
  });
}

const lengths = (records: Uint8Array[]) => records.map((r) => r.length);

/** Same records in the same order: equal lengths, and equal bytes end to end (fast on megabytes). */
function expectRecords(got: Uint8Array[], want: Uint8Array[]): void {
  expect(lengths(got)).toEqual(lengths(want));
  expect(Buffer.concat(got).equals(Buffer.concat(want)), 'record bytes').toBe(true);
}

describe('FdReader: u32le streams', () => {
  it('reads a file of many records, through a smaller ring, complete and in order', async () => {
    // 2 MiB of unaligned records: reads (~64 KiB each) end inside records again and again.
    const sizes = Array.from({ length: 3000 }, (_, i) => (i % 17 === 0 ? 0 : (i * 997) % 1500));
    const records = sizes.map((len, i) => payload(i, len));
    const fd = openSync(tempFile(u32le(records)), 'r');
    const out = await readToEnd(fd, 4096, { framing: 'u32le', maxRecord: 2048 });
    expectRecords(out.got, records);
    expect(out.stats).toMatchObject({ ended: true, errno: 0, lost: 0, records: records.length, bytes: sizes.reduce((a, b) => a + b, 0) });
    // The first pass fills the 4 KiB ring before JS can consume anything: back-pressure, no loss.
    expect(out.stats.fullWaits).toBeGreaterThan(0);
    expect(out.fullWaits).toBe(out.stats.fullWaits);
    expect(out.oversize).toBe(0);
    expect(fstatSync(fd).isFile()).toBe(true); // the caller's fd is still open: the reader closed its dup
    closeSync(fd);
  });

  it('reads an empty file as an immediate end', async () => {
    const fd = openSync(tempFile(new Uint8Array(0)), 'r');
    const out = await readToEnd(fd, 4096);
    expect(out.got).toEqual([]);
    expect(out.stats).toMatchObject({ ended: true, errno: 0, lost: 0, records: 0 });
    closeSync(fd);
  });

  it.each([
    ['a cut payload', [10, 0, 0, 0, 1, 2, 3]],
    ['a cut length', [10, 0]],
  ])('counts a truncated last record (%s) as lost, after every whole record', async (_, tail) => {
    const records = [payload(0, 5), payload(1, 0), payload(2, 300)];
    const fd = openSync(tempFile(Buffer.concat([u32le(records), Buffer.from(tail)])), 'r');
    const out = await readToEnd(fd, 4096);
    expectRecords(out.got, records);
    expect(out.stats).toMatchObject({ ended: true, errno: 0, lost: 1, records: 3 });
    expect(out.kernelLost).toBe(1);
    closeSync(fd);
  });

  it('counts and skips a record over maxRecord, spread over several reads, and reads on', async () => {
    const big = payload(1, 200_000);
    const records = [payload(0, 7), big, payload(2, 100), payload(3, 0)];
    const fd = openSync(tempFile(u32le(records)), 'r');
    const out = await readToEnd(fd, 4096, { maxRecord: 1000 });
    expectRecords(out.got, [records[0]!, records[2]!, records[3]!]);
    expect(out.oversize).toBe(1);
    expect(out.stats).toMatchObject({ ended: true, lost: 0, records: 3 });
    closeSync(fd);
  });

  it('stops on a read error with its errno, as an end', async () => {
    const fd = openSync(tmpdir(), 'r'); // read() of a directory: EISDIR
    const out = await readToEnd(fd, 4096);
    expect(out.stats).toMatchObject({ ended: true, errno: osConstants.errno.EISDIR, lost: 0, records: 0 });
    closeSync(fd);
  });

  it('reads a pipe that a child process writes slowly, in pieces, until it exits', async () => {
    const { r, w } = fifo({ blockingRead: true, blockingWrite: true });
    const n = 150;
    const lengthOf = (i: number) => (i * 37) % 200;
    // Each record in two writes a few ms apart, the cut anywhere (inside the length too).
    const writer = `
      const fs = require('fs');
      const records = [];
      for (let i = 0; i < ${n}; i++) {
        const len = (i * 37) % 200, b = Buffer.alloc(4 + len, (i * 7 + 1) & 0xff);
        b.writeUInt32LE(len);
        records.push(b);
      }
      let i = 0;
      const next = () => {
        if (i === records.length) return;
        const b = records[i], cut = (i * 13) % (b.length + 1);
        i++;
        fs.writeSync(1, b.subarray(0, cut));
        setTimeout(() => { fs.writeSync(1, b.subarray(cut)); setTimeout(next, 1); }, 1);
      };
      next();`;
    const child = spawn(process.execPath, ['-e', writer], { stdio: ['ignore', w, 'inherit'] });
    closeSync(w); // the child holds the only write end: its exit is the pipe's EOF
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const out = await readToEnd(r, 4096);
    expect(await exited).toBe(0);
    expectRecords(out.got, Array.from({ length: n }, (_, i) => payload(i, lengthOf(i))));
    expect(out.stats).toMatchObject({ ended: true, errno: 0, lost: 0 });
    closeSync(r);
  });

  it('random record lengths, written to a pipe in random chunks, arrive exactly, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2048 }), { maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        fc.constantFrom(4096, 8192),
        async (sizes, chunks, blockingRead, capacity) => {
          const records = sizes.map((len, i) => payload(i, len));
          const bytes = u32le(records);
          const { r, w } = fifo({ blockingRead });
          const done = readToEnd(r, capacity, { maxRecord: 2048 });
          for (let at = 0, k = 0; at < bytes.length; k++) {
            const end = Math.min(bytes.length, at + chunks[k % chunks.length]!);
            await writeAll(w, bytes.subarray(at, end));
            at = end;
            await new Promise((resolve) => setImmediate(resolve)); // let the reader see this chunk alone
          }
          closeSync(w);
          const out = await done;
          closeSync(r);
          expectRecords(out.got, records);
          expect(out.stats).toMatchObject({ ended: true, errno: 0, lost: 0, records: sizes.length });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('FdReader: datagram sockets', () => {
  /** Runs helpers/fd-dgram-child.mjs on a new socketpair of `kind`. */
  async function dgramChild(kind: 'dgram' | 'seqpacket', spec: { capacity: number; maxRecord: number; sizes: number[]; closePeer?: boolean }) {
    const result = await run('python3', [repoPath('test/helpers/socketpair.py'), kind, process.execPath, repoPath('test/helpers/fd-dgram-child.mjs'), JSON.stringify(spec)], { cwd: repoPath('test') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as {
      got: { len: number; fill: number[] }[];
      stats: FdReaderStats;
      oversize: number;
      kernelLost: number;
      fullWaits: number;
      fdsBack: boolean;
      u32leError: string | null;
    };
  }
  const fillOf = (i: number, len: number) => (len === 0 ? [] : [(i * 7 + 1) & 0xff]);

  it('takes each datagram as one record, counts one over maxRecord as oversize, waits for room', async () => {
    // 20 datagrams of 300 bytes and more queued before the thread starts: more than the 4 KiB ring.
    const sizes = [0, 5, 1001, 1000, ...Array.from({ length: 20 }, () => 300), 60_000, 1];
    const out = await dgramChild('dgram', { capacity: 4096, maxRecord: 1000, sizes });
    const kept = sizes.map((len, i) => ({ len, fill: fillOf(i, len) })).filter((d) => d.len <= 1000);
    expect(out.got).toEqual(kept);
    expect(out.oversize).toBe(2);
    expect(out.stats).toMatchObject({ ended: false, errno: 0, lost: 0, records: kept.length });
    expect(out.stats.fullWaits).toBeGreaterThan(0);
    expect(out.fdsBack).toBe(true);
    expect(out.u32leError).toBe('EARG');
  });

  it('ends a SOCK_SEQPACKET stream when the peer closes', async () => {
    const sizes = [3, 5, 1001, 1000, 300];
    const out = await dgramChild('seqpacket', { capacity: 4096, maxRecord: 1000, sizes, closePeer: true });
    expect(out.got).toEqual(sizes.map((len, i) => ({ len, fill: fillOf(i, len) })).filter((d) => d.len <= 1000));
    expect(out.stats).toMatchObject({ ended: true, errno: 0, lost: 0 });
    expect(out.fdsBack).toBe(true);
  });
});

describe('FdReader: lifetime', () => {
  it('closes while reading, while waiting for data and while the ring is full; twice; leaves no fd or thread', async () => {
    const fds = fdCount();
    const threads = threadCount();
    // Reading a pipe that stays open: the thread waits in epoll between chunks.
    const { r, w } = fifo();
    const ring = fdRing(4096);
    let got = 0;
    const reader = addon.openFdReader(r, ring.view, SOURCE, () => (got += ring.drain().length));
    await writeAll(w, u32le(Array.from({ length: 50 }, (_, i) => payload(i, 10))));
    await waitFor('50 records', () => got === 50);
    reader.close();
    reader.close();
    expect(reader.stats()).toMatchObject({ records: 50, ended: false });
    expect(() => reader.start()).toThrow(expect.objectContaining({ code: 'ESTATE' }));
    // A full ring nobody drains: the thread sits in its wait for room.
    const big = openSync(tempFile(u32le(Array.from({ length: 1000 }, (_, i) => payload(i, 100)))), 'r');
    const stuckRing = fdRing(4096);
    const stuck = addon.openFdReader(big, stuckRing.view, SOURCE, () => {});
    await waitFor('a full ring', () => stuck.stats().fullWaits > 0);
    stuck.close();
    // Paused, never started.
    const paused = addon.openFdReader(big, fdRing(4096).view, SOURCE, () => {}, { paused: true });
    paused.close();
    paused.close();
    for (const fd of [r, w, big]) closeSync(fd);
    expect(await settlesTo(fdCount, fds), 'open fds').toBe(fds);
    expect(await settlesTo(threadCount, threads), 'threads').toBe(threads);
  });

  it('refuses a second reader on the same ring, and takes the ring again after close', async () => {
    const fd = openSync(tempFile(u32le([payload(0, 1)])), 'r');
    const ring = fdRing(4096);
    const first = addon.openFdReader(fd, ring.view, SOURCE, () => {}, { paused: true });
    expect(() => addon.openFdReader(fd, ring.view, SOURCE, () => {})).toThrow(expect.objectContaining({ code: 'ESTATE' }));
    first.close();
    addon.openFdReader(fd, ring.view, SOURCE, () => {}, { paused: true }).close();
    closeSync(fd);
  });
});

describe('FdReader: bad arguments', () => {
  const fd = openSync(tempFile(new Uint8Array(0)), 'r');
  const closed = 2 ** 30; // never open (a closed fd's number would soon be reused)
  const ring = fdRing(4096).view;
  const noop = () => {};
  const cases: [string, unknown[], RegExp][] = [
    ['no arguments', [], /usage/],
    ['fd not a number', ['3', ring, SOURCE, noop], /usage/],
    ['negative fd', [-1, ring, SOURCE, noop], /fd must be/],
    ['fractional fd', [1.5, ring, SOURCE, noop], /fd must be/],
    ['closed fd', [closed, ring, SOURCE, noop], /EBADF|Bad file descriptor/],
    ['ring not a Uint8Array', [fd, new Uint16Array(2048), SOURCE, noop], /Uint8Array/],
    ['ring over plain memory', [fd, new Uint8Array(8192), SOURCE, noop], /SharedArrayBuffer/],
    ['ring without magic', [fd, new Uint8Array(new SharedArrayBuffer(8192)), SOURCE, noop], /magic/],
    ['source too large', [fd, ring, 70_000, noop], /source/],
    ['onData missing', [fd, ring, SOURCE], /usage/],
    ['options not an object', [fd, ring, SOURCE, noop, 'u32le'], /usage/],
    ['unknown framing', [fd, ring, SOURCE, noop, { framing: 'lines' }], /framing/],
    ['datagram framing on a file', [fd, ring, SOURCE, noop, { framing: 'datagram' }], /datagram socket/],
    ['maxRecord 0', [fd, ring, SOURCE, noop, { maxRecord: 0 }], /maxRecord/],
    ['maxRecord over capacity / 2', [fd, ring, SOURCE, noop, { maxRecord: 2049 }], /maxRecord/],
    ['paused not a boolean', [fd, ring, SOURCE, noop, { paused: 'yes' }], /paused/],
  ];
  it.each(cases)('%s: NativeError EARG', (_, args, message) => {
    const open = addon.openFdReader as (...a: unknown[]) => FdReader;
    expect(() => open(...args)).toThrow(expect.objectContaining({ code: 'EARG', message: expect.stringMatching(message) }));
  });
  it('a closed fd carries its errno', () => {
    expect(() => addon.openFdReader(closed, ring, SOURCE, noop)).toThrow(expect.objectContaining({ code: 'EARG', errno: 9, syscall: 'fstat' }));
  });
  it('cannot be constructed from JS', () => {
    expect(() => new (addon.FdReader as unknown as new () => unknown)()).toThrow(expect.objectContaining({ code: 'EARG' }));
  });
  afterAll(() => closeSync(fd));
});
