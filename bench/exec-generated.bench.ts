// The generated exec decoder against the hand-written one it replaced (assembly/exec.ts at commit
// b324dff, rebuilt from git history with the same asc options): decode only (frames → columns), both
// instances in one process, alternating rounds; the result is each one's best round.
// Run: cd bench && pnpm exec tsx exec-generated.bench.ts
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SourceId } from 'kwire';
import { decoderWasmPath } from '../packages/kwire/src/platform/artifacts.js';
import { encodeExec, type ExecRecord } from '../test/reference/exec.js';
import { concat, frame } from '../test/reference/frames.js';
import { report } from './lib/report.js';

const HAND_WRITTEN = 'b324dff';
const RECORDS = 4096;
const ROUNDS = 30;
const repo = join(import.meta.dirname ?? '.', '..');
const old = mkdtempSync(join(tmpdir(), 'kwire-exec-old-'));
execSync(`git -C ${repo} archive ${HAND_WRITTEN} assembly | tar -x -C ${old}`);
execSync(`${join(repo, 'assembly/node_modules/.bin/asc')} --config asconfig.json --target release`, { cwd: join(old, 'assembly') });

const records: ExecRecord[] = Array.from({ length: RECORDS }, (_, i) => ({ ts: BigInt(i), cgroupId: 7n, pid: 1000 + i, ppid: 999, uid: 0, gid: 0, pidns: 4026531836, flags: 0, comm: 'git', filename: '/usr/bin/git', argv: ['git', 'status', '--porcelain'] }));
const frames = concat(records.map((r) => frame(SourceId.exec, encodeExec(r))));

function decoder(path: string): () => number {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
  const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { memory, abort() {} } }).exports as Record<string, (...a: number[]) => number>;
  x._initialize?.();
  x.execInit!(RECORDS, 1 << 20);
  const input = x.alloc!(frames.length);
  new Uint8Array(memory.buffer).set(frames, input);
  return () => (x.cursorLinear!(input, frames.length), x.execDecode!());
}
const generated = decoder(decoderWasmPath());
const handWritten = decoder(join(old, 'assembly/build/kwire.wasm'));
rmSync(old, { recursive: true, force: true });

const round = (f: () => number) => {
  const t = performance.now();
  for (let i = 0; i < 100; i++) if (f() !== RECORDS) throw new Error('decode failed');
  return ((performance.now() - t) * 1e6) / (100 * RECORDS);
};
const best = { generated: Infinity, handWritten: Infinity };
for (let k = 0; k < ROUNDS; k++) {
  best.generated = Math.min(best.generated, round(generated));
  best.handWritten = Math.min(best.handWritten, round(handWritten));
}
const result = (name: string, ns: number) => ({ name, nsPerRecord: ns, recordsPerSecond: 1e9 / ns, rounds: ROUNDS });
console.log(
  report('exec-generated', 'Exec decoder: generated vs hand-written (decode only, 4096 records, best round)', 'hand-written', [result('generated', best.generated), result('hand-written', best.handWritten)], [
    `Hand-written: assembly/exec.ts at ${HAND_WRITTEN}. Machine shared with other jobs: best rounds, not medians.`,
  ]),
);
