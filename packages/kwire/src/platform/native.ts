// The addon, typed, with its errors turned into kwire's: EPERM names the missing capability.
import { createRequire } from 'node:module';
import type * as Addon from '@kwire/native';
import { missingTracingCapabilities } from './capabilities.js';
import { KwireError, PermissionError } from '../errors.js';

export type BpfObject = Addon.BpfObject;
export type RingReader = Addon.RingReader;
export type BpfMap = Addon.BpfMap;
export type PerfReader = Addon.PerfReader;

let addon: typeof Addon | undefined;

export function loadAddon(): typeof Addon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)('@kwire/native') as typeof Addon;
  } catch (cause) {
    throw new KwireError('ENOT_BUILT', 'the kwire addon is not built: run `make build` first', { cause });
  }
  return addon;
}

const EPERM = 1;
const EACCES = 13;

/** Runs a call into the addon, translating its NativeError into a KwireError. */
export function nativeCall<T>(what: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw translate(what, error);
  }
}

function translate(what: string, error: unknown): Error {
  const e = error as Partial<Addon.NativeError>;
  if (typeof e?.code !== 'string' || typeof e.errno !== 'number') return error as Error;
  const details = { cause: error, errno: e.errno, syscall: e.syscall ?? '' };
  if (e.errno === EPERM || e.errno === EACCES) {
    const missing = missingTracingCapabilities();
    const named = missing.length > 0 ? missing.join(' and ') + ' (or CAP_SYS_ADMIN)' : 'a privilege the kernel did not grant (a lockdown or LSM policy?)';
    return new PermissionError(`${what}: the kernel refused ${e.syscall} with ${e.errno === EPERM ? 'EPERM' : 'EACCES'}: needs ${named}`, missing, details);
  }
  return new KwireError('ENATIVE', `${what}: ${e.message ?? String(error)}`, details);
}
