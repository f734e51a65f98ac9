// kwire: the command line. Dispatches to one module per command.
import { isKwireError, version } from 'kwire';
import { execCommand, execHelp } from './commands/exec.js';
import { exitCommand, exitHelp } from './commands/exit.js';
import { procCommand, procHelp } from './commands/proc.js';
import { recordCommand, recordHelp } from './commands/record.js';
import { replayCommand, replayHelp } from './commands/replay.js';
import { flowsCommand, flowsHelp } from './commands/flows.js';
import { benchCommand, benchHelp } from './commands/bench.js';
import { genCommand, genHelp } from './commands/gen.js';
import { topCommand, topHelp } from './commands/top.js';
import { etwCommand, etwHelp } from './commands/etw.js';
import { UsageError } from './usage-error.js';
import { isOutputClosed } from './output.js';
import { undoAll } from './teardown.js';
import { loadKindModules } from './kinds.js';

const commands: Record<string, { run: (args: string[]) => Promise<void>; summary: string; help: string }> = {
  exec: { run: execCommand, summary: 'live exec events (like execsnoop)', help: execHelp },
  exit: { run: exitCommand, summary: 'live exit events (like exitsnoop)', help: exitHelp },
  proc: { run: procCommand, summary: 'live process events of the netlink proc connector, without BPF', help: procHelp },
  record: { run: recordCommand, summary: 'record raw kernel events into a capture file', help: recordHelp },
  replay: { run: replayCommand, summary: 'decode a capture, anywhere, as the live commands would', help: replayHelp },
  flows: { run: flowsCommand, summary: 'live flow records: packets and bytes each way (like conntracct)', help: flowsHelp },
  bench: { run: benchCommand, summary: 'the benchmark suite (--quick: under two minutes)', help: benchHelp },
  gen: { run: genCommand, summary: 'decoder and types for a struct of your own BPF object', help: genHelp },
  top: { run: topCommand, summary: 'processes and flows, live, in the terminal (replays a capture when not privileged)', help: topHelp },
  etw: { run: etwCommand, summary: 'live Windows kernel events from an ETW session (Windows only)', help: etwHelp },
};

const mainHelp = `kwire — kernel events as streams

Usage: kwire <command> [options]      kwire <command> --help for its options
       kwire --version                 prints kwire's version

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Exit status: 0 done (also after Ctrl-C; through pnpm exec, pnpm itself exits 130 without waiting: run
./kwire from a checkout), 2 usage error, 77 missing privileges, 1 any other failure.
Environment: KWIRE_KINDS=MODULE[:MODULE…] adds record kinds declared with defineKind (kwire/gen), so
replay decodes their captures; KWIRE_DEBUG=1 adds a stack trace to an unexpected error and shows
libbpf's log on stderr (otherwise kept, and its last lines put in the error).
Examples:
  kwire exec --duration 5
  kwire record -o host.kwcap --duration 60 && kwire replay host.kwcap --json
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) {
    if (commands[rest[0]]) return main([rest[0], '--help']); // kwire help exec
    process.stderr.write(`kwire help: no command '${rest[0]}' (the commands: ${Object.keys(commands).join(', ')}; see: kwire --help)\n`);
    return 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`kwire: unknown command '${name}' (the commands: ${Object.keys(commands).join(', ')}; see: kwire --help)\n`);
    return 2;
  }
  try {
    await loadKindModules();
    await command.run(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0; // e.g. bench's failed runs
  } catch (error) {
    return report(name, error);
  }
}

/** One line on stderr for any failure, and the exit status: 2 usage, 77 privileges, 1 anything else. */
function report(name: string, error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`kwire ${name}: ${error.message} (see: kwire ${name} --help)\n`);
    return 2;
  }
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.syscall === 'string' && typeof e.errno === 'number' && e.errno < 0) {
    // A system call that failed in Node (a file that cannot be written, a full disk…): Node's errno is negative.
    const what = e.message.replace(/^E[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '');
    process.stderr.write(`kwire ${name}: cannot ${e.syscall}${e.path ? ` ${e.path}` : ' the output'}: ${what} [${e.code}]\n`);
    return 1;
  }
  if (isKwireError(error)) {
    // The API's 'fn(): ' prefix says nothing more on the command line.
    process.stderr.write(`kwire ${name}: ${error.message.replace(/^[\w.]+\(\): /, '')} [${error.code}]\n`);
    return error.code === 'EPERM_CAPABILITY' ? 77 : 1;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  process.stderr.write(`kwire ${name}: unexpected error: ${message} (a kwire bug: KWIRE_DEBUG=1 prints its stack)\n`);
  if (process.env.KWIRE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return 1;
}

// A failure outside the command's own flow (e.g. a write error in a stream callback) still ends with
// one line and the right status, never a stack trace.
const failLate = (error: unknown) => {
  undoAll(); // detach first: tc filters, for one, would outlive the process
  process.exit(isOutputClosed(error) ? 0 : report(process.argv[2] ?? 'kwire', error));
};
process.on('uncaughtException', failLate).on('unhandledRejection', failLate);

process.exitCode = await main(process.argv.slice(2));
