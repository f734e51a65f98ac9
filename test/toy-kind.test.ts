// A record kind declared in one file (fixtures/toy.kind.mjs) and produced without BPF (the fd
// producer reading a file of records) flows through everything a built-in kind does: source, batches,
// events, stats, capture, replay, and the CLI's --json and table output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { record, replay, type KernelSource } from 'kwire';
import { compileKind, type CompiledKind, type KindBatch } from 'kwire/gen';
import { toyKind } from './fixtures/toy.kind.mjs';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';
import { fdCount, settlesTo } from './helpers/leaks.js';

interface ToyEvent {
  type: 'toy';
  ts: bigint;
  seq: number;
  value: number;
  label: string;
}

const dir = mkdtempSync(join(tmpdir(), 'kwire-toy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RECORD = 32;

/** The records as the fd producer reads them: u32 little-endian length, then the 32-byte struct. */
function toyFile(events: readonly Omit<ToyEvent, 'type'>[], cut = 0): string {
  const out = new Uint8Array(events.length * (4 + RECORD));
  const v = new DataView(out.buffer);
  events.forEach((e, i) => {
    const at = i * (4 + RECORD);
    v.setUint32(at, RECORD, true);
    v.setBigUint64(at + 4, e.ts, true);
    v.setUint32(at + 12, e.seq, true);
    v.setInt32(at + 16, e.value, true);
    out.set(new TextEncoder().encode(e.label), at + 20);
  });
  const path = join(dir, `toy-${events.length}-${cut}.bin`);
  writeFileSync(path, out.subarray(0, out.length - cut));
  return path;
}

const workload = Array.from({ length: 5000 }, (_, i) => ({ ts: 1_000_000n + BigInt(i) * 1000n, seq: i, value: (i * 7919) % 2001 - 1000, label: `r${i}-ü`.slice(0, 11) }));
const toy = (): Promise<CompiledKind<ToyEvent, { path: string }>> => compileKind<ToyEvent, { path: string }>(toyKind);

describe('a toy kind declared in one file, produced by the fd producer', () => {
  it('emits every record, in order, as batches and as events, and completes at the end of the file', async () => {
    const path = toyFile(workload);
    const source = (await toy()).source({ path }) as KernelSource<KindBatch<ToyEvent>>;
    const batches = await lastValueFrom(source.pipe(toArray()));
    expect(batches.length).toBeGreaterThan(1); // 64 records a batch at most
    const seqs = batches.flatMap((b) => [...(b.columns.seq as Uint32Array)]);
    expect(seqs).toEqual(workload.map((e) => e.seq));
    const events = await lastValueFrom((await toy()).events({ path }).pipe(toArray()));
    expect(events).toEqual(workload.map((e) => ({ type: 'toy', ...e })));
    expect(source.stats()).toMatchObject({ received: workload.length, lost: { kernel: 0, ring: 0 }, decodeErrors: {} });
    expect(source.stats().ringFullWaits).toBeGreaterThan(0); // 180 KB through a 64 KiB ring: it waited, lost nothing
  });

  it('shares one producer between subscribers, and closes its fd when the last one leaves', async () => {
    const path = toyFile(workload.slice(0, 2000));
    const compiled = await toy();
    await lastValueFrom(compiled.source({ path }).pipe(toArray())); // warm-up: the addon, the module
    const fds = fdCount();
    const source = compiled.source({ path });
    const seen = { a: 0, b: 0 };
    await new Promise<void>((resolve, reject) => {
      source.subscribe({ next: (b) => (seen.a += b.length), error: reject });
      source.subscribe({ next: (b) => (seen.b += b.length), complete: resolve, error: reject });
    });
    expect(seen).toEqual({ a: 2000, b: 2000 }); // one reader fed both
    expect(source.stats().received).toBe(2000);
    expect(await settlesTo(fdCount, fds)).toBe(fds);
  });

  it('ends with a typed error when the producer cannot read (a directory), and names a missing file', async () => {
    const error = await lastValueFrom((await toy()).source({ path: dir })).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'KwireError', code: 'ENATIVE', errno: 21 }); // EISDIR
    expect((error as Error).message).toMatch(/^reading toy records: read failed with errno 21/);
    const missing = await lastValueFrom((await toy()).source({ path: join(dir, 'nope.bin') })).then(() => undefined, (e: unknown) => e);
    expect(missing).toMatchObject({ name: 'KwireError', code: 'ENATIVE' });
    expect((missing as Error).message).toMatch(/nope\.bin/);
  });

  it('counts a truncated last record as lost, never decodes half of it', async () => {
    const path = toyFile(workload.slice(0, 10), 5);
    const source = (await toy()).source({ path });
    const batches = await lastValueFrom(source.pipe(toArray()));
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(9);
    expect(source.stats().lost.kernel).toBe(1);
  });

  it('is captured and replayed like a built-in kind, by the library and by KWIRE_KINDS=… kwire replay', async () => {
    const compiled = await toy();
    const path = toyFile(workload.slice(0, 300));
    const capture = join(dir, 'toy.kwcap');
    await new Promise<void>((resolve, reject) => record({ toy: compiled.raw({ path }) }, capture, { flushMs: 0 }).subscribe({ complete: resolve, error: reject }));
    const replayed = await lastValueFrom(replay(capture).events<ToyEvent>('toy').pipe(toArray()));
    expect(replayed).toEqual(workload.slice(0, 300).map((e) => ({ type: 'toy', ...e })));

    const env = { ...process.env, KWIRE_KINDS: repoPath('test/fixtures/toy.kind.mjs') };
    const cli = (...args: string[]) => run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), ...args], { env });
    const json = await cli('replay', capture, '--json');
    expect(json.code, json.stderr).toBe(0);
    // the JSON rule holds for a user's kind too: 64-bit values as strings, a wall-clock time beside ts
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(replayed.map((e) => ({ ...e, ts: String(e.ts), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:]+\.\d{6}Z$/) })));
    const table = await cli('replay', capture, '--sources', 'toy');
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+VALUE\s+LABEL$/);
    expect(lines).toHaveLength(301); // one header: the chunks of one kind print under it
    expect(lines[1]).toMatch(/^0\s+-1000\s+r0-ü$/);

    const unknown = await run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), 'replay', capture, '--json'], { env: { ...process.env, KWIRE_KINDS: join(dir, 'missing.mjs') } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^kwire replay: KWIRE_KINDS: cannot load .*missing\.mjs/);
  });
});
