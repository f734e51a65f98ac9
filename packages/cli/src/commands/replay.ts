// kwire replay: decode a capture with the same decoders as the live commands, in the same formats.
import { stat } from 'node:fs/promises';
import { captureSourceNames, isKwireError, KwireError, replay, type CaptureHeader, type ReplayStats } from 'kwire';
import { useBootTime } from '../boot-time.js';
import { commonHelpWithout, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter, type EventWriter } from '../event-writer.js';
import { startOutput } from '../command-output.js';
import { writeOut } from '../output.js';
import { replayUntilDone } from '../replay-until-done.js';
import { bar, ProgressLine } from '../progress.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';
import { parseCommandLine } from '../parse.js';
import { isEtlReplay, replayEtlCommand } from './replay-etl.js';

/** The kind an event type belongs to: its own name (exec, exit, flow), or the kind its prefix names
 *  (proc-fork, proc-exit, … are proc's). */
function kindOfType(type: string): string {
  if (type in shapes) return type;
  const prefix = type.slice(0, type.indexOf('-'));
  return prefix in shapes ? prefix : type;
}

export const replayHelp = `kwire replay — decode a capture made by kwire record (no privileges needed)

Usage: kwire replay FILE [options]        FILE '-' reads stdin (e.g. from kwire record -o -)
       kwire replay nats://HOST:PORT/STREAM[?durable=NAME&since=TIME&follow=false] [options]
       kwire replay FILE.etl [options]    a Windows ETW trace: see kwire replay FILE.etl --help

Prints the events as the live commands do, with times on the recording machine's clock, every
source's events merged in time order (a table of several sources starts each row with its source,
and prints each source's header once). A damaged
capture is replayed as far as it can be: a truncated file up to its last whole chunk, a corrupt chunk
skipped; each is reported on stderr with its offset. A file that is not a capture, or one from a newer
kwire, is refused (exit status 1).

A nats:// URL reads what kwire exec|exit|flows --nats published to a JetStream stream (default
KWIRE), from every host, until Ctrl-C or --duration: durable=NAME resumes where that consumer's
acknowledgements stopped (created when missing), since=TIME (ISO 8601 or epoch ms) or seq=N starts
there (default: the stream's start), follow=false ends after what was stored when it started,
subjects=kwire.web1.> picks hosts.

Options:
  --speed SPEED       'max' (default: as fast as possible), 'realtime', or a factor (2 = twice real time)
  --sources LIST      only these sources, comma-separated: ${captureSourceNames().join(',')} (default: all)
  --progress          a progress bar on stderr (default: on a terminal, for files over 16 MiB)
  --order ORDER       'time' (the sources merged in time order; records up to 1 s out of order are
                      put right) or 'capture' (the order of the capture's chunks) (default: time)
${commonHelpWithout('nats').replace('Common options:\n', '')}

Examples:
  kwire replay host.kwcap --json --sources exec
  kwire replay host.kwcap --speed realtime
  kwire record -o - --sources exec | kwire replay -
  kwire replay 'nats://central:4222/KWIRE?durable=audit' --json --sources exec`;

const BIG_FILE = 16 << 20;

function parseSpeed(s: string | undefined): number {
  if (s === undefined || s === 'max') return Infinity;
  if (s === 'realtime') return 1;
  const n = Number(s);
  if (!(n > 0)) throw new UsageError(`--speed wants 'max', 'realtime' or a positive factor, got '${s}'`);
  return n;
}

export async function replayCommand(args: string[]): Promise<void> {
  if (isEtlReplay(args)) return replayEtlCommand(args);
  const { values, positionals } = parseCommandLine(args, { ...commonOptions, speed: { type: 'string' }, sources: { type: 'string' }, progress: { type: 'boolean', default: false }, order: { type: 'string' } }, true);
  if (values.help) {
    writeOut(replayHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const speed = parseSpeed(values.speed);
  if (positionals.length === 0) throw new UsageError('a capture FILE is required (or - for stdin)');
  if (positionals.length > 1) throw new UsageError(`replay takes one capture FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  const file = positionals[0]!;
  if (options.nats) throw new UsageError('--nats is for the live commands (kwire exec|exit|flows --nats URL)');
  const known = captureSourceNames();
  const sources = values.sources?.split(',');
  const unknown = sources?.filter((n) => !known.includes(n)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--sources: unknown source '${unknown.join(',')}' (known: ${known.join(',')})`);
  if (/^(nats|tls):\/\//i.test(file)) return (await import('../nats-replay.js')).replayNats(file, options, sources); // loads NATS only when asked
  const order = values.order ?? 'time';
  if (order !== 'time' && order !== 'capture') throw new UsageError(`--order wants 'time' or 'capture', got '${values.order}'`);
  const size = file === '-' ? undefined : await stat(file).then((s) => s.size, () => undefined); // replay() names a missing file
  const line = values.progress || (size ?? 0) >= BIG_FILE ? new ProgressLine(values.progress) : undefined;
  let writer: EventWriter | undefined;
  const warn = (text: string) => {
    line?.done();
    process.stderr.write(`kwire replay: ${text}\n`);
  };
  const source = replay(file === '-' ? process.stdin : file, {
    speed,
    order,
    ...(sources === undefined ? {} : { sources }),
    onIssue: (issue) => warn(`warning: ${issue.reason}`),
    onProgress: (done, total) => line?.update(bar(done, total ?? done)),
  });
  let header: CaptureHeader | undefined;
  const stopOutput = startOutput(options);
  // stdin has no name of its own: a reader's "the capture …" becomes "stdin …"
  const fromStdin = (error: unknown) =>
    file === '-' && isKwireError(error) && error.message.startsWith('the capture ') ? new KwireError(error.code, `stdin${error.message.slice('the capture'.length)}`, { cause: error }) : error;
  await replayUntilDone((end) => {
    // Events come one by one (merged in time order); those of one moment are written together.
    let pending: { name: string; events: unknown[] } | undefined;
    const flush = () => {
      if (!pending) return;
      const { name, events } = pending;
      pending = undefined;
      try {
        writer!.batch(name, events);
      } catch (error) {
        end(error); // a failing write: stop reading
      }
    };
    return source.events().subscribe({
      next: (event) => {
        const name = kindOfType((event as { type: string }).type);
        const h = source.stats().headers.at(-1); // the session header in force
        if (h !== header && h) {
          flush();
          useBootTime(h.bootTime);
          header = h;
        }
        writer ??= eventWriter(options, tables, shapes, new Set(h ? h.sources.map((s) => s.name).filter((n) => sources === undefined || sources.includes(n)) : sources ?? known).size > 1);
        if (options.pidns !== undefined && (event as { pidns?: number }).pidns !== options.pidns) return;
        if (pending && (pending.name !== name || pending.events.length >= 1024)) flush();
        if (!pending) {
          pending = { name, events: [] };
          queueMicrotask(flush);
        }
        pending.events.push(event);
      },
      error: (error: unknown) => {
        flush();
        end(error);
      },
      complete: () => {
        flush();
        end();
      },
    });
  }, options.durationMs, fromStdin);
  stopOutput();
  line?.done();
  if (options.stats) process.stderr.write(formatReplayStats(file, source.stats()));
}

function formatReplayStats(file: string, s: ReplayStats): string {
  const h = s.headers[0];
  const errors = Object.entries(s.decodeErrors).map(([k, v]) => `${k}=${v}`).join(',') || '0';
  const from = h ? ` (recorded on ${h.host}, kernel ${h.kernel}, ${new Date(h.started).toISOString()})` : '';
  return `replay: ${file}${from}: chunks=${s.chunks} records=${s.records} lost.kernel=${s.lost.kernel} lost.ring=${s.lost.ring} decodeErrors=${errors} issues=${s.issues.length} late=${s.late}${s.truncatedAt === undefined ? '' : ` truncatedAt=${s.truncatedAt}`}\n`;
}
