#!/usr/bin/env node
// Fuzz of the proc connector decoder outside the suite (`make fuzz` runs every script in this folder):
// at least 10^6 datagrams, random, truncated and mutated, seeded from real ones (read live from the
// proc connector for a moment when this process may, plus synthetic ones of every variant). Each
// datagram is one frame, so each must give exactly one outcome: one event (whose type is proc-*) or
// one counted skip. Any other outcome — an exception that is not a DecodeError, a lost or extra frame,
// a wrong type — fails the run. Usage: node scripts/fuzz/proc.mjs [COUNT] (default 1000000; env SEED).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kwire = await import(join(repo, 'packages/kwire/dist/index.js'));
const { DecodeError, FrameDecoder, procDecoder, ProcWhat, SourceId, missingProcConnectorCapabilities } = kwire;

const total = Number(process.argv[2] ?? 1_000_000);
let seed = Number(process.env.SEED ?? Date.now() % 2 ** 31) >>> 0;
const startSeed = seed;
// xorshift32: reproducible with SEED
const rand = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32);
const int = (n) => Math.floor(rand() * n);

function encode(what, data, comm) {
  const b = new Uint8Array(76);
  const v = new DataView(b.buffer);
  v.setUint32(0, 76, true); v.setUint16(4, 3, true); v.setUint32(16, 1, true); v.setUint32(20, 1, true); v.setUint16(32, 40, true);
  v.setUint32(36, what >>> 0, true); v.setUint32(40, int(4), true); v.setBigUint64(44, BigInt(int(2 ** 31)) * 1000n, true);
  data.forEach((x, i) => v.setUint32(52 + 4 * i, x >>> 0, true));
  if (comm) b.set(new TextEncoder().encode(comm), 60);
  return b;
}

/** Real datagrams: up to 2000 read from the proc connector while a few processes start and end. */
async function realSeeds() {
  if (missingProcConnectorCapabilities().length > 0) return [];
  const seeds = [];
  const { procRaw } = kwire;
  const sub = procRaw().subscribe((chunk) => {
    for (const f of chunk) if (seeds.length < 2000) seeds.push(f.payload.slice());
  });
  for (let i = 0; i < 20; i++) spawnSync('sh', ['-c', 'exit 3']);
  await new Promise((r) => setTimeout(r, 300));
  sub.unsubscribe();
  return seeds;
}

const synthetic = Object.values(ProcWhat).map((w) => encode(w, [100, 101, 102, 103, 104, 105], w === ProcWhat.comm ? 'worker' : undefined));
const real = await realSeeds();
const seeds = [...synthetic, ...real];

function mutate(seedBytes) {
  switch (int(5)) {
    case 0: { // random bytes of a plausible length
      const b = new Uint8Array(int(100));
      for (let i = 0; i < b.length; i++) b[i] = int(256);
      return b;
    }
    case 1: return seedBytes.slice(0, int(seedBytes.length + 1)); // truncated
    case 2: { // a few bytes flipped
      const b = seedBytes.slice();
      for (let k = 1 + int(4); k > 0; k--) b[int(b.length)] ^= 1 + int(255);
      return b;
    }
    case 3: { // extended with junk
      const b = new Uint8Array(seedBytes.length + 1 + int(32));
      b.set(seedBytes);
      for (let i = seedBytes.length; i < b.length; i++) b[i] = int(256);
      return b;
    }
    default: { // a header word set to an edge value
      const b = seedBytes.slice();
      const at = 4 * int(Math.max(1, b.length >> 2));
      if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, [0, 1, 0xffffffff, 0x80000000, 76, 40, 3][int(7)], true);
      return b;
    }
  }
}

const decoder = new FrameDecoder(procDecoder, 1024);
const perCall = 1000;
let done = 0, events = 0, typed = 0;
const skipped = {};
const started = Date.now();
while (done < total) {
  const n = Math.min(perCall, total - done);
  const parts = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const p = mutate(seeds[int(seeds.length)]);
    const f = new Uint8Array(8 + ((p.length + 7) & ~7));
    const v = new DataView(f.buffer);
    v.setUint32(0, p.length, true); v.setUint16(4, SourceId.proc, true); f.set(p, 8);
    parts.push(f); size += f.length;
  }
  const frames = new Uint8Array(size);
  let at = 0;
  for (const f of parts) frames.set(f, at), (at += f.length);
  let outcomes = 0;
  try {
    const r = decoder.decode(frames);
    for (const b of r.batches) {
      for (const e of b) {
        if (!/^proc-(ack|fork|exec|uid|gid|sid|ptrace|comm|coredump|exit)$/.test(e.type)) throw new Error(`fuzz: a decoded event of type ${e.type}`);
        events++, outcomes++;
      }
    }
    for (const [k, c] of Object.entries(r.skipped)) (skipped[k] = (skipped[k] ?? 0) + c), (outcomes += c);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    typed++;
    outcomes = n; // a typed error for the call: its frames are accounted as refused
  }
  if (outcomes !== n) throw new Error(`fuzz (SEED=${startSeed}): ${n} datagrams gave ${outcomes} outcomes`);
  done += n;
}
const secs = (Date.now() - started) / 1000;
console.log(`fuzz proc: ${done} datagrams (${seeds.length} seeds, ${real.length} read live) in ${secs.toFixed(1)} s, SEED=${startSeed}: ${events} events, skipped ${JSON.stringify(skipped)}, typed errors ${typed}: ok`);
