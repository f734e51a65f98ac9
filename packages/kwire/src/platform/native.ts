// The addon, typed, with its errors turned into kwire's: EPERM names the missing capability.
// node-gyp-build finds it: the repository's native/build/Release, or an installed package's
// prebuilds/<platform>-<arch>/ (make pack puts the linux-x64 glibc build there; nothing is compiled
// at install time).
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import type * as Addon from './addon.js';
import { addonDir, installed } from './artifacts.js';
import { missingTracingCapabilities } from './capabilities.js';
import { KwireError, PermissionError } from '../errors.js';

export type BpfObject = Addon.BpfObject;
export type RingReader = Addon.RingReader;
export type BpfMap = Addon.BpfMap;
export type PerfReader = Addon.PerfReader;

let addon: typeof Addon | undefined;

export function loadAddon(): typeof Addon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const load = require('node-gyp-build') as { (dir: string): unknown; path(dir: string): string };
  let path: string;
  try {
    // Windows: the ETW addon of native/win/ (cross-compiled with mingw-w64; not a node-gyp build)
    path = platform() === 'win32' && !installed ? join(addonDir(), 'win', 'build', 'kwire.node') : load.path(addonDir());
  } catch (cause) {
    // node-gyp-build says what it looked for: "No native build was found for platform=linux arch=arm64 … libc=musl …"
    const wanted = (tag: string, fallback: string) => new RegExp(`\\b${tag}=(\\S+)`).exec((cause as Error).message)?.[1] ?? fallback;
    const target = `${wanted('platform', platform())}-${wanted('arch', arch())} with ${wanted('libc', libc())}`;
    throw installed
      ? new KwireError('ENO_PREBUILD', `kwire has no prebuilt addon for ${target} (Node ${process.versions.node}): it ships one for linux-x64 with glibc; live tracing needs that platform (replaying captures does not)`, { cause })
      : new KwireError('ENOT_BUILT', 'the kwire addon is not built: run `make build` first', { cause });
  }
  try {
    addon = require(path) as typeof Addon;
  } catch (cause) {
    throw new KwireError(installed ? 'ENO_PREBUILD' : 'ENOT_BUILT', `the kwire addon ${path} does not load here (${platform()}-${arch()} with ${libc()}): ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  return addon;
}

/** glibc, or not, as Node's report says. */
function libc(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'another libc than glibc';
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
  // libbpf's own lines stay in the cause (libbpfLog); the message says where they are.
  const log = e.libbpfLog ? ` (libbpf's log: in this error's cause.libbpfLog; KWIRE_DEBUG=1 prints it)` : '';
  if (e.errno === EPERM || e.errno === EACCES) {
    const missing = missingTracingCapabilities();
    const named = missing.length > 0 ? missing.join(' and ') + ' (or CAP_SYS_ADMIN)' : 'a privilege the kernel did not grant (a lockdown or LSM policy?)';
    return new PermissionError(`${what}: the kernel refused ${e.syscall} with ${e.errno === EPERM ? 'EPERM' : 'EACCES'}: needs ${named}`, missing, details);
  }
  return new KwireError('ENATIVE', `${what}: ${e.message ?? String(error)}${log}`, details);
}
