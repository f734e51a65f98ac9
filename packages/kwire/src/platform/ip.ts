// IP addresses between their text form (10.0.0.1, ::1) and bytes (4 or 16, network order).
import { isIPv4, isIPv6 } from 'node:net';
import { KwireError } from '../errors.js';

export function ipToBytes(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text)) throw new KwireError('EINVAL_ARGUMENT', `not an IP address: '${text}'`);
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

/** RFC 5952 text: the longest run of two or more zero groups becomes '::', hex in lower case. */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) throw new KwireError('EINVAL_ARGUMENT', `an IP address has 4 or 16 bytes, not ${bytes.length}`);
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
