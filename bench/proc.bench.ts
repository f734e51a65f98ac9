// Proc connector: (1) the generated decoder of 76-byte netlink datagrams (a union on proc_event.what)
// against a hand-written JS DataView columnar decoder of the same datagrams into the same columns, and
// a per-event decoder (one object per datagram, as Node netlink libraries do); (2) live events/s under
// a fork storm, kwire's procs() and procEvents() against a plain C reader of the same kind of socket
// (bench/c/proc_reader.c), losses (ENOBUFS) counted, runs alternated.
// Run: make bench   (or: cd bench && pnpm exec tsx proc.bench.ts [--quick] [--reps N])
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, missingProcConnectorCapabilities, procDecoder, procEvents, procs, ProcWhat, SourceId } from 'kwire';
import { concat, frame } from '../test/reference/frames.js';
import { encodeProc, type ProcMessage } from '../test/reference/proc.js';
import { measure } from './lib/measure.js';
import { median, quick, reps, sharedNote } from './lib/options.js';
import { machine, resultsDir } from './lib/report.js';

const RECORDS = 4096;
// A process monitor's mix: forks and exits of processes and threads, execs, a few id and comm changes.
const whats = [ProcWhat.fork, ProcWhat.exec, ProcWhat.exit, ProcWhat.fork, ProcWhat.exit, ProcWhat.exec, ProcWhat.uid, ProcWhat.comm, ProcWhat.fork, ProcWhat.exit];
const messages: ProcMessage[] = Array.from({ length: RECORDS }, (_, i) => ({
  what: whats[i % whats.length]!, cpu: i & 1, ts: 1_000_000_000n + BigInt(i) * 1000n,
  data: [1000 + i, 1000 + i, 256 * (i % 3), 17, 999, 999], ...(whats[i % whats.length] === ProcWhat.comm ? { comm: 'kworker/u4:2' } : {}),
}));
const frames = concat(messages.map((m) => frame(SourceId.proc, encodeProc(m))));

// WASM in place: the datagrams already in the decoders' memory (where the FdReader writes them).
const wasmPath = createRequire(import.meta.url).resolve('@kwire/assembly/kwire.wasm');
const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), { env: { memory, abort: () => { throw new Error('abort'); } } }).exports as unknown as {
  _initialize?: () => void;
  alloc(n: number): number;
  cursorLinear(p: number, n: number): void;
  procInit(cap: number): void;
  procDecode(): number;
};
x._initialize?.();
x.procInit(RECORDS);
const input = x.alloc(frames.length);
new Uint8Array(memory.buffer).set(frames, input);
const wasmInPlace = () => {
  x.cursorLinear(input, frames.length);
  return x.procDecode();
};
// What a subscriber gets: datagrams copied in, decoded, columns copied out into an owned ProcBatch.
const wasm = new FrameDecoder(procDecoder, RECORDS);
const wasmColumns = () => wasm.decode(frames).batches;

// Hand-written DataView columnar decoder: the same checks (length, header constants, known what) and
// the same columns (head, variant, every variant's fields; zero in other variants' rows).
const variantOf = new Map<number, number>(Object.values(ProcWhat).map((w, k) => [w, k]));
const fieldsOf = [1, 4, 2, 4, 4, 2, 4, 2, 4, 6]; // u32 words per variant, in ProcWhat order (comm: pid, tgid + 16 bytes)
const col = () => new Uint32Array(RECORDS);
const cols = {
  what: col(), cpu: col(), ts: new BigUint64Array(RECORDS), variant: new Uint8Array(RECORDS),
  fields: fieldsOf.map((n) => Array.from({ length: n }, col)),
  comm: new Uint8Array(RECORDS * 16),
};
const ts32 = new Uint32Array(cols.ts.buffer);
const view = new DataView(frames.buffer, frames.byteOffset, frames.length);
let skippedJs = 0;
const jsDataViewColumnar = () => {
  for (const v of cols.fields) for (const c of v) c.fill(0);
  cols.comm.fill(0);
  let n = 0;
  for (let at = 0; at + 8 <= frames.length && n < RECORDS; ) {
    const len = view.getUint32(at, true);
    const p = at + 8;
    at += (8 + len + 7) & ~7;
    if (view.getUint16(p - 4, true) !== SourceId.proc) continue;
    if (len !== 76 || view.getUint32(p, true) !== 76 || view.getUint16(p + 4, true) !== 3 || view.getUint32(p + 16, true) !== 1 || view.getUint32(p + 20, true) !== 1 || view.getUint16(p + 32, true) !== 40) {
      skippedJs++;
      continue;
    }
    const what = view.getUint32(p + 36, true);
    const k = variantOf.get(what);
    if (k === undefined) {
      skippedJs++;
      continue;
    }
    cols.what[n] = what;
    cols.cpu[n] = view.getUint32(p + 40, true);
    ts32[2 * n] = view.getUint32(p + 44, true);
    ts32[2 * n + 1] = view.getUint32(p + 48, true);
    cols.variant[n] = k;
    const f = cols.fields[k]!;
    for (let w = 0; w < f.length; w++) f[w]![n] = view.getUint32(p + 52 + 4 * w, true);
    if (what === ProcWhat.comm) for (let b = 0; b < 16; b++) cols.comm[n * 16 + b] = view.getUint8(p + 60 + b);
    n++;
  }
  return n;
};

// Per-event decoder: one object per datagram, BigInt time, fields by name (a typical netlink library).
const decoderText = new TextDecoder();
const jsPerEvent = () => {
  const out: object[] = [];
  for (let at = 0; at + 8 <= frames.length; ) {
    const len = view.getUint32(at, true);
    const p = at + 8;
    at += (8 + len + 7) & ~7;
    if (len !== 76 || view.getUint32(p, true) !== 76) continue;
    const what = view.getUint32(p + 36, true);
    const head = { cpu: view.getUint32(p + 40, true), ts: view.getBigUint64(p + 44, true) };
    const u = (w: number) => view.getUint32(p + 52 + 4 * w, true);
    switch (what) {
      case ProcWhat.fork: out.push({ type: 'proc-fork', ...head, ppid: u(0), ptgid: u(1), pid: u(2), tgid: u(3) }); break;
      case ProcWhat.exec: out.push({ type: 'proc-exec', ...head, pid: u(0), tgid: u(1) }); break;
      case ProcWhat.uid: out.push({ type: 'proc-uid', ...head, pid: u(0), tgid: u(1), ruid: u(2), euid: u(3) }); break;
      case ProcWhat.comm: {
        const bytes = new Uint8Array(frames.buffer, frames.byteOffset + p + 60, 16);
        const end = bytes.indexOf(0);
        out.push({ type: 'proc-comm', ...head, pid: u(0), tgid: u(1), comm: decoderText.decode(bytes.subarray(0, end < 0 ? 16 : end)) });
        break;
      }
      case ProcWhat.exit: {
        const status = u(2);
        out.push({ type: 'proc-exit', ...head, pid: u(0), tgid: u(1), status, exitCode: (status >> 8) & 0xff, signal: status & 0x7f, exitSignal: u(3) | 0, ppid: u(4), ptgid: u(5) });
        break;
      }
      default: break;
    }
  }
  return out;
};

// Every decoder must agree before anything is timed.
if (wasmInPlace() !== RECORDS || jsDataViewColumnar() !== RECORDS || jsPerEvent().length !== RECORDS) throw new Error('a decoder disagrees');
const batch = wasmColumns()[0]!;
if (batch.length !== RECORDS || batch.forkChildPid[0] !== cols.fields[1]![2]![0] || batch.commComm(7) !== 'kworker/u4:2' || batch.exitExitCode[2] !== cols.fields[9]![2]![2]) throw new Error('a decoder disagrees');

const cases = [
  measure('wasm-in-place', RECORDS, wasmInPlace),
  measure('wasm-columns', RECORDS, wasmColumns),
  measure('js-dataview-columnar', RECORDS, jsDataViewColumnar),
  measure('js-per-event', RECORDS, jsPerEvent),
];
const ns = Object.fromEntries(cases.map((c) => [c.name, c.nsPerRecord])) as Record<string, number>;
const times = (a: string, b: string) => `${(ns[b]! / ns[a]!).toFixed(2)}×`;

// Live: a fork storm of N children (fork + exit each, plus their reaping parent's events).
const here = dirname(fileURLToPath(import.meta.url));
const cdir = join(here, 'c');
const rcvbuf = 8 << 20;
const FORKS = quick ? 20_000 : 50_000;

interface LiveRun { received: number; enobufs: number; stormSeconds: number; cpuSeconds: number }

function storm(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(join(cdir, '.output', 'proc-workload'), ['storm', String(FORKS)], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`storm exited ${code}`))));
  });
}
const settle = () => new Promise((r) => setTimeout(r, 300));

async function cRun(): Promise<LiveRun> {
  const reader = spawn(join(cdir, '.output', 'proc_reader'), [String(rcvbuf)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  reader.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => reader.stderr!.once('data', () => resolve()));
  const stormSeconds = await storm();
  await settle();
  const ended = new Promise((r) => reader.on('exit', r));
  reader.kill('SIGINT');
  await ended;
  const r = JSON.parse(out.trim()) as { received: number; enobufs: number; cpuSeconds: number };
  return { received: r.received, enobufs: r.enobufs, stormSeconds, cpuSeconds: r.cpuSeconds };
}

async function kwireRun(enriched: boolean): Promise<LiveRun> {
  let received = 0;
  const cpu0 = process.cpuUsage();
  const source = enriched ? procEvents({ rcvbuf, threads: true }) : procs({ rcvbuf });
  const sub = enriched
    ? (source as ReturnType<typeof procEvents>).subscribe(() => received++)
    : (source as ReturnType<typeof procs>).subscribe((b) => (received += b.length));
  const stormSeconds = await storm();
  await settle();
  sub.unsubscribe();
  const cpu = process.cpuUsage(cpu0);
  return { received, enobufs: source.stats().lost.enobufs, stormSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const live: Record<string, LiveRun[]> = { c: [], procs: [], procEvents: [] };
const liveSkip = missingProcConnectorCapabilities().length > 0 ? 'needs CAP_NET_ADMIN (run as root)' : undefined;
if (!liveSkip) {
  execFileSync('make', ['-s', '-C', cdir, '.output/proc_reader', '.output/proc-workload'], { stdio: 'inherit' });
  for (let r = 0; r < reps; r++) {
    live.c!.push(await cRun());
    live.procs!.push(await kwireRun(false));
    live.procEvents!.push(await kwireRun(true));
  }
}
const rate = (runs: LiveRun[]) => median(runs.map((r) => r.received / r.stormSeconds));
const row = (name: string, runs: LiveRun[], base: number) =>
  `| ${name} | ${(rate(runs) / 1e3).toFixed(1)} k/s | ${median(runs.map((r) => r.received)).toFixed(0)} | ${runs.map((r) => r.enobufs).join(' / ')} | ${median(runs.map((r) => (r.cpuSeconds * 1e6) / r.received)).toFixed(2)} | ${(rate(runs) / base).toFixed(2)}× |`;

const md = [
  `### Proc connector decoder (${RECORDS} datagrams per batch, 76 bytes each, a union on proc_event.what)`,
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${cases[0]!.rounds} rounds. ${sharedNote}`,
  '',
  '| case | ns/datagram | M datagrams/s | speed vs js-per-event |',
  '|---|---:|---:|---:|',
  ...cases.map((c) => `| ${c.name} | ${c.nsPerRecord.toFixed(1)} | ${(c.recordsPerSecond / 1e6).toFixed(2)} | ${(ns['js-per-event']! / c.nsPerRecord).toFixed(2)}× |`),
  '',
  'wasm-in-place: datagrams already in WASM memory (as the FdReader leaves them), decoded into columns that stay there (the live path).',
  'wasm-columns: frames copied into WASM memory, decoded, columns copied out into an owned ProcBatch (what a subscriber keeps).',
  'js-dataview-columnar: hand-written DataView decoder with the same checks into the same columns (zeroed per batch, as the WASM writes zeros in other variants\' columns). js-per-event: one object per datagram with a BigInt time.',
  '',
  `wasm-in-place vs js-dataview-columnar: ${times('wasm-in-place', 'js-dataview-columnar')} (target ≥ 2×); wasm-columns: ${times('wasm-columns', 'js-dataview-columnar')}.`,
  `wasm-in-place vs js-per-event: ${times('wasm-in-place', 'js-per-event')} (target ≥ 5×); wasm-columns: ${times('wasm-columns', 'js-per-event')}.`,
  '',
  `### Proc connector live: a fork storm of ${FORKS} children (fork + exit each), receive buffer ${rcvbuf >> 20} MiB`,
  '',
  ...(liveSkip
    ? [`Not measured: ${liveSkip}.`]
    : [
      `Medians of ${reps} runs, alternating C / procs() / procEvents(). Events/s: events received / storm seconds (the storm bounds the rate: every reader gets the same kernel messages, and other processes' events on the machine count too). ENOBUFS per run. Reader CPU: the reader process's user + system time over the run (kwire: the whole Node process, poll thread included; the 300 ms settle and, for procEvents, the /proc reads count too) per event received.`,
      '',
      '| reader | events/s | events received | ENOBUFS per run | reader CPU µs/event | events/s vs C |',
      '|---|---:|---:|---|---:|---:|',
      row('C reader (recv loop, bench/c/proc_reader.c)', live.c!, rate(live.c!)),
      row('kwire procs() (batches)', live.procs!, rate(live.c!)),
      row('kwire procEvents({ threads: true }) (enriched events)', live.procEvents!, rate(live.c!)),
    ]),
  '',
].join('\n');
writeFileSync(join(resultsDir, 'proc.json'), JSON.stringify({ machine: machine(), date: new Date().toISOString(), decoder: cases, live, forks: FORKS, rcvbuf }, null, 2) + '\n');
writeFileSync(join(resultsDir, 'proc.md'), md);
console.log(md);
