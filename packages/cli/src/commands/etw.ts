// kwire etw: Windows kernel events from a live ETW session (the kstream consumer's job), Windows only.
import { etw, type EtwClass, type EtwLiveOptions } from 'kwire';
import { commonHelpWithout, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { writeOut } from '../output.js';
import { parseCommandLine } from '../parse.js';
import { runSource } from '../run-source.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';

const CLASSES: readonly EtwClass[] = ['process', 'thread', 'image', 'file', 'tcp', 'udp', 'registry'];

export const etwHelp = `kwire etw — trace Windows kernel events live from an ETW session (Windows only)

Usage: kwire etw [options]

Columns: TIME (wall clock), TYPE ('process-start', 'image-load', 'tcp-send', …; 'process-rundown',
'image-rundown', 'file-rundown': the state at the start), PID, TID, CPU, DETAIL (as kwire replay of an
.etl file prints them: decoding works anywhere, live tracing only on Windows).

Options:
  --classes LIST      comma-separated classes to enable: ${CLASSES.join(', ')}
                      (default: all but registry, the busiest)
  --pid PID[,PID…]    only events of these processes (events whose header has no pid pass)
  --session KIND      'auto' (default: a private SystemTraceProvider session from Windows 8, else the
                      NT Kernel Logger), 'private', or 'kernel-logger' (shared: stops another tool's)
  --session-name NAME the private session's name (default: 'kwire kernel session'); one left running
                      by a process that died is stopped and started again
  --no-rundown        skip the rundown of processes, threads, images and files already there
  --buffer-size KB    ETW buffer size, 4..1024 (default: 1024)
  --min-buffers N     buffers at start (default: 2 per processor)
  --max-buffers N     buffers ETW may grow to (default: min + 128, 128 MiB or more: a process storm
                      fits without loss while the consumer is behind)
  --flush SECONDS     deliver partly filled buffers after this long (default: 1)

${commonHelpWithout('pidns')}

Needs Administrator (or the Performance Log Users group). Elsewhere it refuses with ENOTSUP_KERNEL.
Losses: --stats prints lost.kernel (the session's EventsLost) and lost.realTimeBuffers.
Examples:
  kwire etw --classes process,image --duration 10
  kwire etw --classes tcp,udp --json --stats`;

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} wants a positive integer, got '${value}'`);
  return n;
}

export async function etwCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, {
    ...commonOptions,
    classes: { type: 'string' },
    pid: { type: 'string' },
    session: { type: 'string' },
    'session-name': { type: 'string' },
    'no-rundown': { type: 'boolean', default: false },
    'buffer-size': { type: 'string' },
    'min-buffers': { type: 'string' },
    'max-buffers': { type: 'string' },
    flush: { type: 'string' },
  });
  if (values.help) {
    writeOut(etwHelp + '\n');
    return;
  }
  if (values.pidns !== undefined) throw new UsageError('--pidns is for Linux sources; use --pid');
  const options = parseCommon(values);
  const live: Partial<EtwLiveOptions> = {};
  if (values.classes !== undefined) {
    const classes = values.classes.split(',').map((c) => c.trim());
    for (const c of classes) if (!CLASSES.includes(c as EtwClass)) throw new UsageError(`--classes: unknown class '${c}' (the classes: ${CLASSES.join(', ')})`);
    live.classes = classes as EtwClass[];
  }
  if (values.session !== undefined) {
    if (!['auto', 'private', 'kernel-logger'].includes(values.session)) throw new UsageError(`--session wants 'auto', 'private' or 'kernel-logger', got '${values.session}'`);
    live.session = values.session as EtwLiveOptions['session'];
  }
  if (values['session-name'] !== undefined) live.sessionName = values['session-name'];
  if (values['no-rundown']) live.rundown = false;
  const buffers: Record<string, number> = {};
  const size = positiveInteger('--buffer-size', values['buffer-size']);
  const min = positiveInteger('--min-buffers', values['min-buffers']);
  const max = positiveInteger('--max-buffers', values['max-buffers']);
  const flush = positiveInteger('--flush', values.flush);
  if (size !== undefined) buffers.sizeKb = size;
  if (min !== undefined) buffers.minimum = min;
  if (max !== undefined) buffers.maximum = max;
  if (flush !== undefined) buffers.flushSeconds = flush;
  const pids = values.pid?.split(',').map((p) => positiveInteger('--pid', p.trim())!);
  const source = etw.live({ ...live, buffers, ...(pids ? { filter: { pids } } : {}) });
  const writer = eventWriter(options, tables, shapes);
  await runSource('etw', source, options, {
    onAttached: () => writer.start('etw'),
    onBatch: (batch) => writer.batch('etw', batch),
  });
}
