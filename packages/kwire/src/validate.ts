// Checks of what callers pass to the public API, done before anything is loaded: each failure is a
// KwireError EINVAL_ARGUMENT naming the function, the option and what it accepts (never a TypeError
// from deep inside).
import { statSync } from 'node:fs';
import { KwireError } from './errors.js';

const show = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : typeof value === 'bigint' ? `${value}n` : Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value === 'function' ? 'a function' : String(value);

export function invalidArgument(fn: string, message: string, options: { cause?: unknown; errno?: number; syscall?: string } = {}): never {
  throw new KwireError('EINVAL_ARGUMENT', `${fn}: ${message}`, options);
}

/** `value` is undefined or a plain options object (not null, not an array); with `known`, it has no other keys
 *  (a misspelt option, `{ pdins: 5 }`, is refused rather than ignored). */
export function checkOptions(fn: string, value: unknown, what = 'options', known?: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalidArgument(fn, `${what} must be an object, got ${show(value)}`);
  const unknown = known === undefined ? undefined : Object.keys(value).find((k) => !known.includes(k));
  if (unknown !== undefined) invalidArgument(fn, `${what === 'options' ? '' : `${what}: `}unknown option '${unknown}' (the options: ${known!.join(', ')})`);
}

export function checkOneOf(fn: string, name: string, value: unknown, allowed: readonly unknown[]): void {
  if (value !== undefined && !allowed.includes(value)) invalidArgument(fn, `${name} must be ${allowed.map(show).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${show(value)}`);
}

export function checkInteger(fn: string, name: string, value: unknown, min: number, max: number, maxText = String(max)): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) {
    invalidArgument(fn, `${name} must be an integer in ${min}..${maxText}, got ${show(value)}`);
  }
}

export function checkNumber(fn: string, name: string, value: unknown, what: string, ok: (n: number) => boolean): void {
  if (value !== undefined && !(typeof value === 'number' && ok(value))) invalidArgument(fn, `${name} must be ${what}, got ${show(value)}`);
}

export function checkBoolean(fn: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') invalidArgument(fn, `${name} must be true or false, got ${show(value)}`);
}

export function checkFunction(fn: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') invalidArgument(fn, `${name} must be a function, got ${show(value)}`);
}

export function checkString(fn: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') invalidArgument(fn, `${name} must be a non-empty string, got ${show(value)}`);
}

export function checkStrings(fn: string, name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) invalidArgument(fn, `${name} must be an array of non-empty strings, got ${show(value)}`);
}

/** A shared ring size: a power of two in 4 KiB..1 GiB (shared-ring.ts). */
export function checkRingCapacity(fn: string, value: unknown): void {
  checkNumber(fn, 'ringCapacity', value, 'a power of two from 4096 to 2^30', (n) => Number.isInteger(n) && n >= 4096 && n <= 2 ** 30 && (n & (n - 1)) === 0);
}

/** Perf ring settings (native PerfOptions). */
export function checkPerfOptions(fn: string, perf: unknown): void {
  checkOptions(fn, perf, 'perf');
  if (perf === undefined) return;
  const { pageCount, wakeupEvents, watermarkBytes } = perf as Record<string, unknown>;
  checkNumber(fn, 'perf.pageCount', pageCount, 'a power of two from 1 to 65536', (n) => Number.isInteger(n) && n >= 1 && n <= 65536 && (n & (n - 1)) === 0);
  checkInteger(fn, 'perf.wakeupEvents', wakeupEvents, 1, 0xffffffff, '2^32-1');
  checkInteger(fn, 'perf.watermarkBytes', watermarkBytes, 0, 0xffffffff, '2^32-1');
}

/** A file the caller names as input: it must exist and not be a directory (a pipe is fine). */
export function checkInputFile(fn: string, what: string, path: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOTDIR' ? 'a component of the path is not a directory' : e.message;
    return invalidArgument(fn, `${what} ${path}: ${why}`, { cause: error, ...(typeof e.errno === 'number' ? { errno: -e.errno } : {}), syscall: 'stat' });
  }
  if (isDirectory) invalidArgument(fn, `${what} ${path} is a directory, not a file`);
}

/** Records per batch: an integer in 1..2^20. */
export function checkBatchSize(fn: string, value: unknown): void {
  checkInteger(fn, 'batchSize', value, 1, 1 << 20, '2^20');
}
