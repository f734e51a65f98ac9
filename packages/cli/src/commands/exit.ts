// kwire exit: exitsnoop-like live exit events.
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { exits, type ExitEvent } from 'kwire';
import { clockTime } from '../boot-time.js';
import { commonHelp, commonOptions, parseCommon } from '../common-options.js';
import { jsonLine, tableHeader, tableRow, writeOut, type Column } from '../output.js';
import { runSource } from '../run-source.js';

export const exitHelp = `kwire exit — trace every process exit, live (like exitsnoop)

Usage: kwire exit [options]

Columns: TIME (wall clock), PCOMM, PID, PPID, TID (the thread that exited last), AGE(s) (seconds since
the process started), EXIT ('code N', or 'signal N (NAME)', '+core' when it dumped core).

Options:
  --threads           a record for every thread's exit, not only each process's

${commonHelp}

Needs CAP_BPF and CAP_PERFMON (or root).
Examples:
  kwire exit --duration 5
  kwire exit --json | jq 'select(.signal != 0)'`;

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export function exitText(e: ExitEvent): string {
  if (e.signal === 0) return `code ${e.exitCode}`;
  return `signal ${e.signal} (${signalNames.get(e.signal) ?? '?'})${e.coreDump ? ' +core' : ''}`;
}

const columns: readonly Column<ExitEvent>[] = [
  { header: 'TIME', width: 8, value: (e) => clockTime(e.exitTime) },
  { header: 'PCOMM', width: 16, value: (e) => e.comm },
  { header: 'PID', width: 7, value: (e) => String(e.pid) },
  { header: 'PPID', width: 7, value: (e) => String(e.ppid) },
  { header: 'TID', width: 7, value: (e) => String(e.tid) },
  { header: 'AGE(s)', width: 8, value: (e) => (Number(e.exitTime - e.startTime) / 1e9).toFixed(2) },
  { header: 'EXIT', width: 0, value: exitText },
];

export async function exitCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...commonOptions, threads: { type: 'boolean', default: false } }, strict: true });
  if (values.help) {
    writeOut(exitHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  const source = exits({ threads: values.threads ?? false, ...(options.pidns === undefined ? {} : { pidns: options.pidns }) });
  await runSource('exit', source, options, {
    onAttached: () => options.json || writeOut(tableHeader(columns) + '\n'),
    onBatch: (batch) => {
      let out = '';
      for (const event of batch) out += (options.json ? jsonLine(event) : tableRow(columns, event)) + '\n';
      writeOut(out);
    },
  });
}
