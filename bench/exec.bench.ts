// Exec decoder: WASM to columns (strings left as bytes until read) against a hand-written per-event
// TypeScript decoder of the same frames, and memcpy of the same bytes (the limit).
// Run: make bench   (or: cd bench && pnpm exec tsx exec.bench.ts)
import { execDecoder, FrameDecoder, SourceId } from 'kwire';
import { decodeExecJs, encodeExec, type ExecRecord } from '../test/reference/exec.js';
import { concat, frame } from '../test/reference/frames.js';
import { measure } from './lib/measure.js';
import { report } from './lib/report.js';

const RECORDS = 4096;
const commands = [
  ['/usr/bin/git', 'git', 'status', '--porcelain'],
  ['/bin/sh', 'sh', '-c', 'make -j2 all'],
  ['/usr/bin/node', 'node', '/srv/app/server.js', '--port', '8080'],
  ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', 'cc1', '-quiet', '-I', 'include', 'src/main.c', '-o', '/tmp/cc1.s'],
];
const records: ExecRecord[] = Array.from({ length: RECORDS }, (_, i) => {
  const [filename, ...argv] = commands[i % commands.length]!;
  return { ts: 1_000_000n * BigInt(i), cgroupId: 7n, pid: 1000 + i, ppid: 999, uid: 0, gid: 0, pidns: 4026531836, flags: 0, comm: argv[0]!, filename: filename!, argv };
});
const frames = concat(records.map((r) => frame(SourceId.exec, encodeExec(r))));

// memcpy: the same bytes copied once.
const copy = new Uint8Array(frames.length);
const memcpy = () => copy.set(frames);

// WASM: frames copied into WASM memory, decoded to columns, columns copied out as owned batches.
const wasm = new FrameDecoder(execDecoder, RECORDS);
const wasmBatch = () => wasm.decode(frames).batches;
// WASM then every event materialised (strings decoded): what a subscriber to execEvents() pays.
const wasmEvents = () => wasm.decode(frames).batches.map((b) => [...b]);
// WASM batch, reading only the pid column and one string per record: a typical filter.
const wasmFilter = () => {
  let hits = 0;
  for (const b of wasm.decode(frames).batches) for (let i = 0; i < b.length; i++) if (b.uid[i] === 0 && b.pid[i]! % 2 === 0) hits += b.comm(i).length;
  return hits;
};

// Hand-written TypeScript: one object per record, strings decoded eagerly.
const jsPerEvent = () => {
  const out = [];
  const view = new DataView(frames.buffer, frames.byteOffset, frames.length);
  for (let at = 0; at + 8 <= frames.length; ) {
    const len = view.getUint32(at, true);
    const record = decodeExecJs(frames.subarray(at + 8, at + 8 + len));
    if (record) out.push(record);
    at += (8 + len + 7) & ~7;
  }
  return out;
};

const cases = [
  measure('memcpy', RECORDS, memcpy),
  measure('wasm-batch', RECORDS, wasmBatch),
  measure('wasm-batch+filter', RECORDS, wasmFilter),
  measure('wasm-events', RECORDS, wasmEvents),
  measure('js-per-event', RECORDS, jsPerEvent),
];
const md = report('exec', 'Exec decoder (4096 records per batch, ~110 bytes each)', 'js-per-event', cases, [
  `wasm-batch vs js-per-event: ${(cases[4]!.nsPerRecord / cases[1]!.nsPerRecord).toFixed(1)}× (target ≥ 5×).`,
]);
console.log(md);
