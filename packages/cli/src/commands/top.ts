// kwire top: a live terminal view of processes and flows, built only from kwire's public operators
// (processes(), topTalkers(), health(), Enricher, replay()). Where live tracing is refused it replays
// the bundled capture and says so.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filter, merge, type Observable, type Subscription } from 'rxjs';
import {
  bootTimeNs, Enricher, execs, exits, flows, health, missingNetworkCapabilities, missingProcConnectorCapabilities, missingTracingCapabilities, processes, replay, toEvents, topTalkers,
  type FlowBatch, type ProcessInput, type ProcessRecord, type SourceHealth, type StatsSource, type TopTalkers,
} from 'kwire';
import { writeOut } from '../output.js';
import { parseCommandLine } from '../parse.js';
import { untilExit } from '../teardown.js';
import { UsageError } from '../usage-error.js';
import { startScreen } from './top-screen.js';
import { frame, sortNames, type TopState } from './top-views.js';

const bundled = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'capture', 'host.kwcap');

export const topHelp = `kwire top — processes and flows, live, in the terminal

Usage: kwire top [options]

Two views, refreshed in place: processes (running, and recently ended with their exit status and
duration; run* marks those running before kwire top started) and flows (the top talkers: bytes/s and
packets/s per source, destination and port over the last 5 s). It traces with BPF (CAP_BPF and
CAP_PERFMON; CAP_NET_ADMIN too for flows); with CAP_NET_ADMIN alone its processes come from the proc
connector (no flows); with neither it replays the bundled capture (${bundled}),
and it says which on its first lines.

Keys:
  p / f / Tab   the process view / the flow view / the other one
  s / r         the next sort key / reverse the order
  q, Ctrl-C     quit (the terminal is restored)

Options:
  --replay FILE       show a capture (made with kwire record) instead of the live system
                      (default: live, or the bundled capture without the privileges)
  --speed SPEED       with --replay: 'max', 'realtime' or a factor (default: realtime)
  --interval SECONDS  refresh every SECONDS (default: 1)
  --duration SECONDS  quit after this many seconds (default: until q)
  -h, --help          this help

Examples:
  kwire top
  kwire top --replay host.kwcap --speed 10`;

interface Feeds {
  mode: string;
  /** Where the process events come from when live. */
  source?: 'bpf' | 'proc';
  /** Why it is not live, when it was not asked to replay. */
  note?: string;
  events?: Observable<ProcessInput>;
  flowBatches?: Observable<FlowBatch>;
  flowsNote?: string;
  stats: Record<string, StatsSource>;
  live: boolean;
}

function seconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0)) throw new UsageError(`--${name} wants a positive number of seconds, got '${text}'`);
  return n;
}

function feeds(file: string | undefined, speed: number): Feeds {
  const missing = missingTracingCapabilities();
  if (file === undefined && missing.length === 0) {
    const exec = execs();
    const exit = exits();
    const net = missingNetworkCapabilities();
    const flow = net.length === 0 ? flows({ idleTimeout: 5000 }) : undefined;
    return {
      mode: 'live', live: true,
      events: merge(exec.pipe(toEvents()), exit.pipe(toEvents())) as Observable<ProcessInput>,
      ...(flow ? { flowBatches: flow } : { flowsNote: `flows need ${net.join(' and ')}` }),
      stats: { exec, exit, ...(flow ? { flows: flow } : {}) },
    };
  }
  if (file === undefined && missingProcConnectorCapabilities().length === 0) {
    // No BPF, but the proc connector: processes live, no flows.
    return { mode: 'live (proc connector)', live: true, source: 'proc', note: `no BPF: this process lacks ${missing.join(' and ')}; processes from the proc connector, no flows`, flowsNote: `flows need ${missing.join(' and ')}`, stats: {} };
  }
  const path = file ?? bundled;
  const r = replay(path, { speed });
  return {
    mode: `REPLAY of ${path}`, live: false,
    ...(file === undefined ? { note: `not live: live tracing was refused, this process lacks ${missing.join(' and ')} (run it as root)` } : {}),
    events: r.events<{ type: string }>().pipe(filter((e): e is ProcessInput => e.type === 'exec' || e.type === 'exit')),
    flowBatches: replay(path, { speed, sources: ['flow'] }).batches<FlowBatch>('flow'),
    stats: { replay: r },
  };
}

export async function topCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, {
    replay: { type: 'string' }, speed: { type: 'string' }, interval: { type: 'string' }, duration: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    writeOut(topHelp + '\n');
    return;
  }
  const every = seconds('interval', values.interval, 1) * 1000;
  const duration = values.duration === undefined ? undefined : seconds('duration', values.duration, 0) * 1000;
  const speed = values.speed === undefined || values.speed === 'realtime' ? 1 : values.speed === 'max' ? Infinity : Number(values.speed);
  if (!(speed > 0)) throw new UsageError(`--speed wants 'max', 'realtime' or a positive factor, got '${values.speed}'`);
  if (values.speed !== undefined && values.replay === undefined) throw new UsageError('--speed is for --replay');
  if (values.replay !== undefined && !existsSync(values.replay)) throw new UsageError(`--replay: no such file: ${values.replay}`);
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError('kwire top draws on a terminal: run it in one (for a stream of events: kwire exec, kwire exit, kwire flows)');

  const f = feeds(values.replay, speed);
  const source = f.events ? processes({ events: f.events, scan: f.live }) : processes({ source: f.source ?? 'auto', scan: true });
  const enricher = new Enricher();
  const ended: ProcessRecord[] = [];
  let lastTs = 0n;
  let talkers: TopTalkers | undefined;
  let readings: SourceHealth[] = [];
  const state: TopState = {
    view: 'processes', sort: 0, reverse: false, mode: f.mode, ended,
    running: () => source.table.running(),
    now: () => (f.live ? bootTimeNs() : lastTs),
    user: (uid) => (uid === undefined ? '?' : enricher.user(uid) ?? String(uid)),
    health: readings,
    ...(f.flowsNote ? { flowsNote: f.flowsNote } : {}),
    ...(f.note ? { note: f.note } : {}),
  };

  await new Promise<void>((done, fail) => {
    const subs: Subscription[] = [];
    let timer: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    const redraw = () => screen.draw(frame({ ...state, talkers, health: readings } as TopState, screen.rows));
    const finish = (error?: unknown) => {
      clearInterval(timer);
      clearTimeout(deadline);
      for (const s of subs) s.unsubscribe();
      screen.stop();
      forget();
      process.off('SIGINT', quit).off('SIGTERM', quit).off('SIGHUP', quit);
      if (error) fail(error);
      else done();
    };
    const quit = () => finish();
    const screen = startScreen((key) => {
      if (key === 'q' || key === 'Q' || key === '\x03') return finish();
      if (key === 'p') state.view = 'processes';
      else if (key === 'f') state.view = 'flows';
      else if (key === '\t') state.view = state.view === 'processes' ? 'flows' : 'processes';
      else if (key === 's') state.sort = (state.sort + 1) % sortNames(state.view).length;
      else if (key === 'r') state.reverse = !state.reverse;
      else return;
      if (key === 'p' || key === 'f' || key === '\t') state.sort = 0;
      redraw();
    }, () => redraw());
    const forget = untilExit(() => screen.stop());
    process.on('SIGINT', quit).on('SIGTERM', quit).on('SIGHUP', quit);
    subs.push(
      source.subscribe({
        next: ({ change, process: p }) => {
          const t = p.end ?? p.execTime ?? p.start;
          if (t > lastTs) lastTs = t;
          if (change !== 'exit') return;
          ended.unshift(p);
          if (ended.length > 200) ended.pop();
        },
        error: (e: unknown) => finish(e),
      }),
    );
    if (f.flowBatches) {
      subs.push(f.flowBatches.pipe(topTalkers({ by: ['srcAddr', 'dstAddr', 'dstPort', 'proto'], window: 5000, every: 1000, limit: 500, time: f.live ? 'scheduler' : 'records' })).subscribe({ next: (t) => (talkers = t), error: (e: unknown) => finish(e) }));
    }
    subs.push(health(f.stats, { interval: every }).subscribe((h) => (readings = h)));
    timer = setInterval(redraw, every);
    if (duration !== undefined) deadline = setTimeout(quit, duration);
    redraw();
  });
}
