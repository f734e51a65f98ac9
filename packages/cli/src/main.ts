// kwire: the command line. Dispatches to one module per command.
import { isKwireError } from 'kwire';
import { execCommand, execHelp } from './commands/exec.js';
import { exitCommand, exitHelp } from './commands/exit.js';
import { recordCommand, recordHelp } from './commands/record.js';
import { replayCommand, replayHelp } from './commands/replay.js';
import { flowsCommand, flowsHelp } from './commands/flows.js';
import { benchCommand, benchHelp } from './commands/bench.js';
import { genCommand, genHelp } from './commands/gen.js';
import { UsageError } from './usage-error.js';

const commands: Record<string, { run: (args: string[]) => Promise<void>; summary: string; help: string }> = {
  exec: { run: execCommand, summary: 'live exec events (like execsnoop)', help: execHelp },
  exit: { run: exitCommand, summary: 'live exit events (like exitsnoop)', help: exitHelp },
  record: { run: recordCommand, summary: 'record raw kernel events into a capture file', help: recordHelp },
  replay: { run: replayCommand, summary: 'decode a capture, anywhere, as the live commands would', help: replayHelp },
  flows: { run: flowsCommand, summary: 'live flow records: packets and bytes each way (like conntracct)', help: flowsHelp },
  bench: { run: benchCommand, summary: 'the benchmark suite (--quick: under two minutes)', help: benchHelp },
  gen: { run: genCommand, summary: 'decoder and types for a struct of your own BPF object', help: genHelp },
};

const mainHelp = `kwire — kernel events as streams

Usage: kwire <command> [options]      kwire <command> --help for its options

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`kwire: unknown command '${name}'\n\n${mainHelp}`);
    return 2;
  }
  try {
    await command.run(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0; // e.g. bench's failed runs
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kwire ${name}: ${(error as Error).message}\nTry: kwire ${name} --help\n`);
      return 2;
    }
    if (isKwireError(error)) {
      process.stderr.write(`kwire ${name}: ${error.message} [${error.code}]\n`);
      return error.code === 'EPERM_CAPABILITY' ? 77 : 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
