// What the flow decoder (assembly/generated/flow.ts, from packages/kwire/src/layouts/flow.ts) does
// beyond plain fields: flowId, and an optional filter (kinds, proto, port, netns, address) that drops
// records in the decode pass, before anything reaches JavaScript.
const OFF_COOKIE: usize = 16;
const OFF_SRC_ADDR: usize = 24;
const OFF_DST_ADDR: usize = 40;
const OFF_NETNS: usize = 92;
const OFF_SRC_PORT: usize = 96;
const OFF_DST_PORT: usize = 98;
const OFF_PROTO: usize = 100;
const OFF_KIND: usize = 101;

const K: u64 = 0x9e3779b97f4a7c15;

@inline function mix(h: u64, w: u64): u64 {
  return rotl<u64>(h ^ w, 31) * K;
}

/** flowId: a 32-bit hash of addresses, ports, proto and cookie (README, "flowId"):
 *    h = cookie ^ 0x6b77666c6f770000; for w in [src[0..8], src[8..16], dst[0..8], dst[8..16], ports|proto]:
 *      h = rotl64(h ^ w, 31) * 0x9e3779b97f4a7c15
 *    h ^= h >> 32; flowId = u32(h)
 *  where each w is a little-endian u64 of the record's bytes and ports|proto is bytes 96..100 (ports as
 *  on the wire, big-endian) with the kind and padding bytes masked off. */
@inline export function flowId(p: usize): u32 {
  let h: u64 = load<u64>(p + OFF_COOKIE) ^ 0x6b77666c6f770000;
  h = mix(h, load<u64>(p + OFF_SRC_ADDR));
  h = mix(h, load<u64>(p + OFF_SRC_ADDR + 8));
  h = mix(h, load<u64>(p + OFF_DST_ADDR));
  h = mix(h, load<u64>(p + OFF_DST_ADDR + 8));
  h = mix(h, load<u64>(p + OFF_SRC_PORT) & 0xffffffffff);
  h ^= h >> 32;
  return <u32>h;
}

// Filter (0 = any). Kinds as a bit mask: 1 << kind.
let fKinds: u32 = 0;
let fProto: u32 = 0;
let fPort: u32 = 0;
let fNetns: u32 = 0;
let fAddrLo: u64 = 0;
let fAddrHi: u64 = 0;
let fAddr: bool = false;
/** Whether any filter is set (the decoder calls flowMatches only then). */
export let flowMatchesOn: bool = false;

/** Sets the filter: kinds mask (1 << kind, 0 = any), proto, port (either end, host order), netns;
 *  0 = any. */
export function flowFilter(kinds: u32, proto: u32, port: u32, netns: u32): void {
  fKinds = kinds;
  fProto = proto;
  fPort = port;
  fNetns = netns;
  flowMatchesOn = kinds != 0 || proto != 0 || port != 0 || netns != 0 || fAddr;
}

/** Adds an address to the filter (either end): 16 bytes at `addr` as in the record; 0 clears it. */
export function flowFilterAddr(addr: usize): void {
  fAddr = addr != 0;
  if (fAddr) {
    fAddrLo = load<u64>(addr);
    fAddrHi = load<u64>(addr, 8);
  }
  flowMatchesOn = fKinds != 0 || fProto != 0 || fPort != 0 || fNetns != 0 || fAddr;
}

@inline function bswap16(v: u16): u16 {
  return (v << 8) | (v >> 8);
}

/** Whether the record at `p` passes the filter. */
export function flowMatches(p: usize): bool {
  const kind = <u32>load<u8>(p + OFF_KIND);
  if (fKinds != 0 && ((1 << kind) & fKinds) == 0) return false;
  if (fProto != 0 && <u32>load<u8>(p + OFF_PROTO) != fProto) return false;
  if (fNetns != 0 && load<u32>(p + OFF_NETNS) != fNetns) return false;
  if (fPort != 0 && <u32>bswap16(load<u16>(p + OFF_SRC_PORT)) != fPort && <u32>bswap16(load<u16>(p + OFF_DST_PORT)) != fPort) return false;
  if (fAddr) {
    const src = load<u64>(p + OFF_SRC_ADDR) == fAddrLo && load<u64>(p + OFF_SRC_ADDR + 8) == fAddrHi;
    const dst = load<u64>(p + OFF_DST_ADDR) == fAddrLo && load<u64>(p + OFF_DST_ADDR + 8) == fAddrHi;
    if (!src && !dst) return false;
  }
  return true;
}
