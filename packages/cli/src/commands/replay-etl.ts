// kwire replay FILE.etl: a Windows ETW trace file decoded here, with the same decoder a live Windows
// session feeds (etw.fromEtl), printed like any source: a table, --json or --msgpack.
import { stat } from 'node:fs/promises';
import { etw, isKwireError, type EtlStats, type EtwFilter } from 'kwire';
import { commonHelpWithout, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { writeOut } from '../output.js';
import { parseCommandLine } from '../parse.js';
import { bar, ProgressLine } from '../progress.js';
import { replayUntilDone } from '../replay-until-done.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';

export const replayEtlHelp = `kwire replay FILE.etl — decode a Windows ETW trace file (no Windows, no privileges needed)

Usage: kwire replay FILE.etl [options]    (or any FILE with --etl; '-' with --etl reads stdin)

Prints the kernel events of an .etl file written by Windows (xperf, WPR, PerfView, perfmon data
collectors, the NT Kernel Logger): process, thread and image start/end/rundown, file names, TCP and UDP
send/receive/connect/accept/disconnect/retransmit, over IPv4 and IPv6. Compressed (relogged) files are
decompressed as they are read. Times are wall-clock times from the file's own clock. Events kwire has
no decoder for are counted (--stats), not printed.

Options:
  --etl               read FILE as an .etl file whatever its name
  --classes LIST      only these event classes, comma-separated: Process,Thread,Image,FileIo,TcpIp,UdpIp
                      (and Microsoft-Windows-Kernel-Process, -Kernel-Network) (default: all)
  --opcodes LIST      only these opcodes (event ids for manifest providers), e.g. 1,2 (default: all)
  --pids LIST         only events about these processes (default: all)
  --progress          a progress bar by bytes on stderr (default: on a terminal, for files over 16 MiB)
${commonHelpWithout('pidns', 'help').replace('Common options:\n', '')}
  -h, --help          this help

Examples:
  kwire replay trace.etl --json --classes Process
  kwire replay net.etl --classes TcpIp,UdpIp --stats
  kwire replay big.etl --msgpack --progress > events.msgpack`;

const BIG_FILE = 16 << 20;

/** Whether `kwire replay` args name an .etl file (by its extension, or --etl). */
export function isEtlReplay(args: readonly string[]): boolean {
  return args.includes('--etl') || args.some((a) => !a.startsWith('-') && /\.etl$/i.test(a));
}

function list(name: string, value: string | undefined, number: boolean): (string | number)[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').filter((x) => x !== '');
  if (items.length === 0) throw new UsageError(`--${name} wants a comma-separated list, got '${value}'`);
  if (!number) return items;
  return items.map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--${name} wants numbers, got '${x}'`);
    return n;
  });
}

export async function replayEtlCommand(args: string[]): Promise<void> {
  const { pidns: _pidns, ...common } = commonOptions;
  const { values, positionals } = parseCommandLine(args, {
    ...common, etl: { type: 'boolean', default: false }, progress: { type: 'boolean', default: false },
    classes: { type: 'string' }, opcodes: { type: 'string' }, pids: { type: 'string' },
  }, true);
  if (values.help) {
    writeOut(replayEtlHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  if (positionals.length !== 1) throw new UsageError('one .etl FILE is required');
  const file = positionals[0]!;
  const filter: EtwFilter = {};
  const classes = list('classes', values.classes, false);
  const opcodes = list('opcodes', values.opcodes, true);
  const pids = list('pids', values.pids, true);
  if (classes) filter.classes = classes;
  if (opcodes) filter.opcodes = opcodes as number[];
  if (pids) filter.pids = pids as number[];
  const size = file === '-' ? undefined : await stat(file).then((s) => s.size, () => undefined); // fromEtl names a missing file
  const line = values.progress || (size ?? 0) >= BIG_FILE ? new ProgressLine(values.progress) : undefined;
  let source;
  try {
    source = etw.fromEtl(file === '-' ? process.stdin : file, { filter, onProgress: (done, total) => line?.update(bar(done, total ?? done)) });
  } catch (error) {
    if (isKwireError(error) && error.code === 'EINVAL_ARGUMENT') throw new UsageError(error.message.replace(/^etw\.fromEtl\(\): filter\./, '--'));
    throw error;
  }
  const writer = eventWriter(options, tables, shapes);
  await replayUntilDone((end) =>
    source.subscribe({
      next: (batch) => {
        try {
          writer.batch('etw', batch);
        } catch (error) {
          end(error); // a failing write: stop reading
        }
      },
      error: end,
      complete: () => end(),
    }), options.durationMs);
  line?.done();
  if (options.stats) process.stderr.write(formatEtlStats(file, source.stats(), source.header()));
}

function formatEtlStats(file: string, s: EtlStats, h: ReturnType<ReturnType<typeof etw.fromEtl>['header']>): string {
  const kv = (o: Record<string, number | undefined>) => Object.entries(o).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(',') || '0';
  const w = s.walk;
  const from = h ? ` (Windows ${h.osVersion} build ${h.build}, ${h.loggerName}, ${h.startTime?.toISOString() ?? 'no clock'})` : '';
  const unknown = Object.values(s.unknown).reduce((a, b) => a + b, 0);
  const top = Object.entries(s.unknown).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k}=${v}`).join(',');
  return [
    `replay: ${file}${from}: buffers=${w.buffers} compressed=${w.compressedBuffers} records=${w.records} events=${s.received} unknown=${unknown} filtered=${s.filtered} decodeErrors=${kv(s.decodeErrors)}`,
    `  skipped: badBuffers=${w.badBuffers} badRecords=${w.badRecords} xpressErrors=${w.xpressErrors} truncatedBytes=${w.truncatedBytes} skippedBytes=${w.skippedBytes} unknownHeaders=${w.unknownHeaders} messages=${w.messages}`,
    `  headerTypes: ${kv(s.headerTypes)}`,
    ...(unknown ? [`  unknown (most first): ${top}`] : []),
  ].join('\n') + '\n';
}
