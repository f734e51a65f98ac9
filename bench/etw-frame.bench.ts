// The live ETW callback's work per event, in C++ (native/win/build/etw-frame-host --bench, the frame
// builder compiled for Linux): TryReserve in the shared ring + WriteEtwFrame with a Publish per 1 MiB
// (what the ProcessTrace callback does), WriteEtwFrame alone, and memcpy of the same frame bytes (the
// limit), over EVENT_RECORDs rebuilt from the events of two .etl fixtures. It bounds how fast the
// callback drains ETW's buffers: the faster, the fewer events a storm can make ETW drop.
// Run: pnpm exec tsx etw-frame.bench.ts [--quick]   (after `make win`)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EtlWalker } from '../packages/kwire/src/kinds/etw-walker.js';
import { eventRecordOf, frameHost, ringFrames } from '../test/helpers/etw-records.js';
import { repoPath } from '../test/helpers/repo.js';
import type { CaseResult } from './lib/measure.js';
import { median, quick, sharedNote } from './lib/options.js';
import { report } from './lib/report.js';

const records: Uint8Array[] = [];
for (const name of ['ShutdownPerfDiagLogger', 'KernelNetwork']) {
  const walker = new EtlWalker();
  walker.walk(readFileSync(repoPath('fixtures', 'etw', `${name}.etl`)), true, 1 << 30);
  for (const f of ringFrames(walker.frames().bytes.slice())) records.push(eventRecordOf(f.payload));
}
const rounds = quick ? 7 : 15;
const run = spawnSync(frameHost, ['--bench', String(rounds)], { input: Buffer.concat(records), maxBuffer: 1 << 26 });
if (run.status !== 0) throw new Error(`${frameHost} --bench failed (status ${run.status}): ${run.stderr}`);
const out = JSON.parse(run.stdout.toString()) as { records: number; bytes: number; rounds: { ring: number; build: number; memcpy: number }[] };
const result = (name: string, key: 'ring' | 'build' | 'memcpy'): CaseResult => {
  const ns = median(out.rounds.map((r) => r[key])) / out.records;
  return { name, nsPerRecord: ns, recordsPerSecond: 1e9 / ns, rounds };
};
const cases = [result('memcpy', 'memcpy'), result('WriteEtwFrame', 'build'), result('ring TryReserve+WriteEtwFrame', 'ring')];
const mbps = (c: CaseResult) => ((out.bytes / out.records) * c.recordsPerSecond) / (1 << 20);
console.log(
  report('etw-frame', `Live ETW callback: EVENT_RECORD to a frame in the shared ring (${out.records} events of 2 .etl fixtures, ${(out.bytes / out.records).toFixed(0)} bytes a frame)`, 'memcpy', cases, [
    `The callback (ring) moves ${mbps(cases[2]!).toFixed(0)} MiB/s of frames: ${(mbps(cases[2]!) / 50).toFixed(0)}× the 50 MiB/s of the process storm the default buffers are sized for (kinds/etw-session.ts). C++ (-O2) compiled for Linux; on Windows the same code runs in ProcessTrace's thread. ${sharedNote}`,
  ]),
);
