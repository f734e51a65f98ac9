// Option checks of the NATS functions: KwireError EINVAL_ARGUMENT naming the function, the option and
// what it accepts, before anything connects (kwire's own functions word them the same way).
import { KwireError } from 'kwire';

export function invalid(fn: string, message: string): never {
  throw new KwireError('EINVAL_ARGUMENT', `${fn}: ${message}`);
}

export function checkObject(fn: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(fn, `options must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
}

export function checkServers(fn: string, value: unknown): string | string[] {
  const ok = (v: unknown) => typeof v === 'string' && v !== '';
  if (ok(value) || (Array.isArray(value) && value.length > 0 && value.every(ok))) return value as string | string[];
  return invalid(fn, `servers must be a NATS URL such as 'nats://127.0.0.1:4222' or a non-empty list of them, got ${JSON.stringify(value) ?? typeof value}`);
}

export function checkInt(fn: string, name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) invalid(fn, `${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
}

export function checkPositive(fn: string, name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) invalid(fn, `${name} must be a positive number, got ${String(value)}`);
}

/** A subject token: letters, digits, `-` and `_` (no dots, spaces or wildcards). */
export function checkToken(fn: string, name: string, value: unknown, dots = false): void {
  if (value === undefined) return;
  const re = dots ? /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/ : /^[A-Za-z0-9_-]+$/;
  if (typeof value !== 'string' || !re.test(value)) invalid(fn, `${name} must be ${dots ? 'subject tokens (letters, digits, - and _) joined by dots' : 'one subject token of letters, digits, - and _'}, got ${JSON.stringify(value) ?? typeof value}`);
}

export function checkKnown(fn: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(value)) if (!known.includes(k)) invalid(fn, `unknown option '${k}' (the options: ${known.join(', ')})`);
}
