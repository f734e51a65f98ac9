// Which capabilities the process holds, from /proc/self/status, so a missing one is named before
// anything is loaded rather than guessed from a bare EPERM afterwards.
import { readFileSync } from 'node:fs';
import { PermissionError } from '../errors.js';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export function effectiveCapabilities(): bigint {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
    return line ? BigInt('0x' + line.slice(7).trim()) : 0n;
  } catch {
    return 0n;
  }
}

const has = (caps: bigint, cap: bigint): boolean => ((caps >> cap) & 1n) === 1n;

/**
 * Capabilities missing to load and attach tracing BPF programs (CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN): empty when the process may trace. `caps` defaults to the process's effective set.
 *
 * @example
 * const missing = missingTracingCapabilities(); if (missing.length) console.error('needs', missing.join(' and '));
 */
export function missingTracingCapabilities(caps = effectiveCapabilities()): string[] {
  if (has(caps, CAP_SYS_ADMIN)) return [];
  const missing: string[] = [];
  if (!has(caps, CAP_BPF)) missing.push('CAP_BPF');
  if (!has(caps, CAP_PERFMON)) missing.push('CAP_PERFMON');
  return missing;
}

/** Throws a PermissionError naming what is missing to trace with BPF. */
export function requireTracingCapabilities(what: string): void {
  const missing = missingTracingCapabilities();
  if (missing.length > 0) {
    throw new PermissionError(
      `${what} needs ${missing.join(' and ')} (or CAP_SYS_ADMIN): ${grantHint(missing)}`,
      missing,
    );
  }
}

/**
 * Capabilities missing to count packets with cgroup_skb/tc programs: the tracing ones and CAP_NET_ADMIN.
 * `caps` defaults to the process's effective set.
 *
 * @example
 * if (missingNetworkCapabilities().length === 0) flows().subscribe(console.log);
 */
export function missingNetworkCapabilities(caps = effectiveCapabilities()): string[] {
  const missing = missingTracingCapabilities(caps);
  if (!has(caps, CAP_SYS_ADMIN) && !has(caps, CAP_NET_ADMIN)) missing.push('CAP_NET_ADMIN');
  return missing;
}

/** Throws a PermissionError naming what is missing to count packets. */
export function requireNetworkCapabilities(what: string): void {
  const missing = missingNetworkCapabilities();
  if (missing.length > 0) throw new PermissionError(`${what} needs ${missing.join(' and ')} (or CAP_SYS_ADMIN): ${grantHint(missing)}`, missing);
}

/**
 * Capabilities missing to listen to the netlink proc connector (CAP_NET_ADMIN, or CAP_SYS_ADMIN): no
 * BPF needed. `caps` defaults to the process's effective set.
 *
 * @example
 * if (missingProcConnectorCapabilities().length === 0) procEvents().subscribe(console.log);
 */
export function missingProcConnectorCapabilities(caps = effectiveCapabilities()): string[] {
  return has(caps, CAP_SYS_ADMIN) || has(caps, CAP_NET_ADMIN) ? [] : ['CAP_NET_ADMIN'];
}

/** Throws a PermissionError naming what is missing to listen to the proc connector. */
export function requireProcConnectorCapabilities(what: string): void {
  const missing = missingProcConnectorCapabilities();
  if (missing.length > 0) throw new PermissionError(`${what} needs CAP_NET_ADMIN (or CAP_SYS_ADMIN), no BPF: ${grantHint(missing)}`, missing);
}

/** The way out of a missing capability, with the command that grants exactly those. */
function grantHint(missing: readonly string[]): string {
  return `run as root or grant them, e.g. setcap ${missing.map((c) => c.toLowerCase()).join(',')}+ep $(command -v node)`;
}
