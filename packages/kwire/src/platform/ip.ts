// IP addresses between their text form (10.0.0.1, ::1) and bytes (4 or 16, network order).
import { isIPv4, isIPv6 } from 'node:net';
import { KwireError } from '../errors.js';

/**
 * An IP address's bytes in network order from its text: 4 for IPv4, 16 for IPv6 (with `::` and an
 * embedded dotted IPv4 tail).
 *
 * @example ipToBytes('10.0.0.1') // Uint8Array [10, 0, 0, 1]
 * @throws KwireError EINVAL_ARGUMENT when `text` is not an IP address.
 */
export function ipToBytes(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text)) throw new KwireError('EINVAL_ARGUMENT', `ipToBytes(): not an IP address: '${text}'`);
  let groups: number[] = [];
  let v4: number[] = [];
  let rest = text;
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.', lastColon)) {
    v4 = rest.slice(lastColon + 1).split('.').map(Number);
    rest = rest.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', tail] = rest.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  groups = tail === undefined ? parse(head) : [...parse(head), ...Array<number>(8 - parse(head).length - parse(tail).length).fill(0), ...parse(tail)];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4.length === 4) out.set(v4, 12);
  return out;
}

/**
 * The one IP address formatter: dotted IPv4, or RFC 5952 IPv6 (the longest run of two or more zero
 * groups becomes '::', lower-case hex, an IPv4-mapped address as ::ffff:a.b.c.d).
 * `kind`: 'ip4' (4 bytes at `at`), 'ip6' (16 bytes), or 'ip' (16 bytes holding IPv4 when bytes 4..15
 * are zero, as flow records do). Default: by the length from `at` (4: 'ip4', else 'ip6').
 *
 * @example bytesToIp(Uint8Array.of(10, 0, 0, 1)) // '10.0.0.1'
 * @throws KwireError EINVAL_ARGUMENT when the bytes from `at` are too few for `kind`.
 */
export function bytesToIp(bytes: Uint8Array, at = 0, kind: 'ip4' | 'ip6' | 'ip' = bytes.length - at === 4 ? 'ip4' : 'ip6'): string {
  const need = kind === 'ip4' ? 4 : 16;
  if (kind !== 'ip4' && kind !== 'ip6' && kind !== 'ip') throw new KwireError('EINVAL_ARGUMENT', `bytesToIp(): kind must be 'ip4', 'ip6' or 'ip', got ${String(kind)}`);
  const left = bytes instanceof Uint8Array && Number.isInteger(at) && at >= 0 ? bytes.length - at : -1;
  if (left < need || (arguments.length < 3 && left !== 4 && left !== 16)) {
    throw new KwireError('EINVAL_ARGUMENT', `bytesToIp(): an IP address has 4 or 16 bytes, not ${left < 0 ? typeof bytes : left}`);
  }
  return formatIp(bytes, at, kind);
}

/** bytesToIp without the checks: the batches' address accessors, whose columns are always whole. */
export function formatIp(bytes: Uint8Array, at: number, kind: 'ip4' | 'ip6' | 'ip'): string {
  let v4 = kind === 'ip4';
  if (kind === 'ip') {
    v4 = true;
    for (let i = 4; i < 16; i++) if (bytes[at + i] !== 0) v4 = false;
  }
  if (v4) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[at + i]! << 8) | bytes[at + i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best === 0 && bestLen === 5 && groups[5] === 0xffff) return `::ffff:${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
