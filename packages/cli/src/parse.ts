// node:util parseArgs with the command line's rules: a negative number after an option is its value
// (so `--duration -1` is refused by the option's own check, not as an "ambiguous" option), an empty
// value is refused, and every parse error becomes a one-line UsageError.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<T extends Options, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: P; strict: true }>>;

export function parseCommandLine<T extends Options, P extends boolean = false>(args: readonly string[], options: T, allowPositionals?: P): Parsed<T, P> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    const next = args[i + 1];
    if (option?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  let parsed: Parsed<T, P>;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: allowPositionals ?? false, strict: true }) as Parsed<T, P>;
  } catch (error) {
    throw new UsageError(oneLine(error as Error));
  }
  for (const [name, value] of Object.entries(parsed.values as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v === '')) throw new UsageError(`--${name} wants a value, got ''`);
  }
  return parsed;
}

/** parseArgs' messages, some of them three sentences on three lines, as one line. */
function oneLine(error: Error): string {
  const ambiguous = /^Option '(-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(error.message);
  if (ambiguous) return `${ambiguous[2]} wants a value, and what follows it starts with '-' (write ${ambiguous[2]}=VALUE if that is the value)`;
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(error.message);
  if (missing) return `${missing[2]} wants a value`;
  const unknown = /^Unknown option '([^']*)'/.exec(error.message);
  if (unknown) return `Unknown option '${unknown[1]}'`; // without parseArgs' advice on positionals that start with '-'
  return error.message.split('\n')[0]!.replace(/\. This command does not take positional arguments$/, ': this command takes no arguments besides its options');
}
