// kwire replay: decode a capture with the same decoders as the live commands, in the same formats.
import { stat } from 'node:fs/promises';
import type { Subscription } from 'rxjs';
import { captureSourceNames, isKwireError, KwireError, replay, type CaptureHeader, type ReplayStats } from 'kwire';
import { useBootTime } from '../boot-time.js';
import { commonHelp, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { isOutputClosed, writeOut } from '../output.js';
import { stopAfter, type Timer } from '../run-source.js';
import { untilExit } from '../teardown.js';
import { bar, ProgressLine } from '../progress.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';
import { parseCommandLine } from '../parse.js';
import { isEtlReplay, replayEtlCommand } from './replay-etl.js';

export const replayHelp = `kwire replay — decode a capture made by kwire record (no privileges needed)

Usage: kwire replay FILE [options]        FILE '-' reads stdin (e.g. from kwire record -o -)
       kwire replay FILE.etl [options]    a Windows ETW trace: see kwire replay FILE.etl --help

Prints the events as the live commands do, with times on the recording machine's clock. A damaged
capture is replayed as far as it can be: a truncated file up to its last whole chunk, a corrupt chunk
skipped; each is reported on stderr with its offset. A file that is not a capture, or one from a newer
kwire, is refused (exit status 1).

Options:
  --speed SPEED       'max' (default: as fast as possible), 'realtime', or a factor (2 = twice real time)
  --sources LIST      only these sources, comma-separated: ${captureSourceNames().join(',')} (default: all)
  --progress          a progress bar on stderr (default: on a terminal, for files over 16 MiB)
${commonHelp.replace('Common options:\n', '')}

Examples:
  kwire replay host.kwcap --json --sources exec
  kwire replay host.kwcap --speed realtime
  kwire record -o - --sources exec | kwire replay -`;

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
  const { values, positionals } = parseCommandLine(args, { ...commonOptions, speed: { type: 'string' }, sources: { type: 'string' }, progress: { type: 'boolean', default: false } }, true);
  if (values.help) {
    writeOut(replayHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const speed = parseSpeed(values.speed);
  if (positionals.length !== 1) throw new UsageError('one capture FILE is required');
  const file = positionals[0]!;
  const known = captureSourceNames();
  const sources = values.sources?.split(',');
  const unknown = sources?.filter((n) => !known.includes(n)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--sources: unknown source '${unknown.join(',')}' (known: ${known.join(',')})`);
  const size = file === '-' ? undefined : await stat(file).then((s) => s.size, () => undefined); // replay() names a missing file
  const line = values.progress || (size ?? 0) >= BIG_FILE ? new ProgressLine(values.progress) : undefined;
  const writer = eventWriter(options, tables, shapes);
  const warn = (text: string) => {
    line?.done();
    process.stderr.write(`kwire replay: ${text}\n`);
  };
  const source = replay(file === '-' ? process.stdin : file, {
    speed,
    ...(sources === undefined ? {} : { sources }),
    onIssue: (issue) => warn(`warning: ${issue.reason}`),
    onProgress: (done, total) => line?.update(bar(done, total ?? done)),
  });
  let header: CaptureHeader | undefined;
  await new Promise<void>((resolve, reject) => {
    let timer: Timer | undefined;
    let forget = () => {};
    const end = (error?: unknown) => {
      forget();
      timer?.cancel();
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
      subscription?.unsubscribe();
      if (error === undefined || isOutputClosed(error)) resolve();
      else if (file === '-' && isKwireError(error) && error.message.startsWith('the capture ')) reject(new KwireError(error.code, `stdin${error.message.slice('the capture'.length)}`, { cause: error }));
      else reject(error);
    };
    const stop = () => end();
    let subscription: Subscription | undefined;
    subscription = source.subscribe({
      next: ({ source: name, batch, header: h }) => {
        try {
          if (h !== header && h) useBootTime(h.bootTime);
          header = h;
          const events = options.pidns === undefined ? batch : [...batch].filter((e) => (e as { pidns?: number }).pidns === options.pidns);
          writer.batch(name, events);
        } catch (error) {
          end(error); // a failing write: stop reading
        }
      },
      error: end,
      complete: stop,
    });
    if (subscription.closed) return;
    forget = untilExit(() => subscription?.unsubscribe());
    process.on('SIGINT', stop).on('SIGTERM', stop).on('SIGHUP', stop);
    if (options.durationMs !== undefined) timer = stopAfter(options.durationMs, stop);
  });
  line?.done();
  if (options.stats) process.stderr.write(formatReplayStats(file, source.stats()));
}

function formatReplayStats(file: string, s: ReplayStats): string {
  const h = s.headers[0];
  const errors = Object.entries(s.decodeErrors).map(([k, v]) => `${k}=${v}`).join(',') || '0';
  const from = h ? ` (recorded on ${h.host}, kernel ${h.kernel}, ${new Date(h.started).toISOString()})` : '';
  return `replay: ${file}${from}: chunks=${s.chunks} records=${s.records} lost.kernel=${s.lost.kernel} lost.ring=${s.lost.ring} decodeErrors=${errors} issues=${s.issues.length}${s.truncatedAt === undefined ? '' : ` truncatedAt=${s.truncatedAt}`}\n`;
}
