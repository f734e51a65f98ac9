// Flow decoder: frames of bpf/include/flow.h records (104 bytes, the conntracct layout) into columns.
// Counters become f64 (exact below 2^53), ports host order, addresses stay 16 raw bytes (TypeScript
// renders them only when read). flowId is computed here (see flowId below). An optional filter (proto,
// port, netns, address) drops records in the same pass, before anything reaches JavaScript.
import { STATUS_OK, STATUS_TRUNCATED, STATUS_BAD_LENGTH, STATUS_UNKNOWN_SOURCE, STATUS_BAD_VALUE, STATUS_COUNT } from "./status";
import { SOURCE_FLOW } from "./sources";
import { cursorNext, cursorAdvance, cursorEnd, framePtr, frameLen, frameSource } from "./ring";
import { alloc } from "./heap";

// Offsets in the record (bpf/include/flow.h; test/flow-layout.test.ts checks them against its BTF).
const EVENT_SIZE: u32 = 104;
const OFF_START: usize = 0;
const OFF_TS: usize = 8;
const OFF_COOKIE: usize = 16;
const OFF_SRC_ADDR: usize = 24;
const OFF_DST_ADDR: usize = 40;
const OFF_PACKETS_ORIG: usize = 56;
const OFF_BYTES_ORIG: usize = 64;
const OFF_PACKETS_RET: usize = 72;
const OFF_BYTES_RET: usize = 80;
const OFF_CONNMARK: usize = 88;
const OFF_NETNS: usize = 92;
const OFF_SRC_PORT: usize = 96;
const OFF_DST_PORT: usize = 98;
const OFF_PROTO: usize = 100;
const OFF_KIND: usize = 101;
const OFF_PADDING: usize = 102;
const ADDR_LEN: usize = 16;
const KIND_UPDATE: u8 = 1;
const KIND_DESTROY: u8 = 2;

// Column ids, in the order TypeScript reads them (packages/kwire/src/flow-batch.ts).
export const FLOW_COL_START: i32 = 0;        // u64
export const FLOW_COL_TS: i32 = 1;           // u64
export const FLOW_COL_COOKIE: i32 = 2;       // u64
export const FLOW_COL_PACKETS_ORIG: i32 = 3; // f64
export const FLOW_COL_BYTES_ORIG: i32 = 4;   // f64
export const FLOW_COL_PACKETS_RET: i32 = 5;  // f64
export const FLOW_COL_BYTES_RET: i32 = 6;    // f64
export const FLOW_COL_FLOW_ID: i32 = 7;      // u32
export const FLOW_COL_CONNMARK: i32 = 8;     // u32
export const FLOW_COL_NETNS: i32 = 9;        // u32
export const FLOW_COL_SRC_PORT: i32 = 10;    // u16, host order
export const FLOW_COL_DST_PORT: i32 = 11;    // u16
export const FLOW_COL_PROTO: i32 = 12;       // u8
export const FLOW_COL_KIND: i32 = 13;        // u8
export const FLOW_COL_SRC_ADDR: i32 = 14;    // 16 bytes per record
export const FLOW_COL_DST_ADDR: i32 = 15;    // 16 bytes per record
const COLUMNS: i32 = 16;

let cap: u32 = 0;
const columns = new StaticArray<usize>(COLUMNS);
const errors = new StaticArray<u32>(STATUS_COUNT);
let lastStatus: i32 = STATUS_OK;
let filtered: u32 = 0;

// Filter (0 = any). Kinds as a bit mask: 1 << kind.
let fKinds: u32 = 0;
let fProto: u32 = 0;
let fPort: u32 = 0;
let fNetns: u32 = 0;
let fAddrLo: u64 = 0;
let fAddrHi: u64 = 0;
let fAddr: bool = false;
let filterOn: bool = false;

@inline function width(c: i32): usize {
  if (c <= FLOW_COL_BYTES_RET) return 8;
  if (c <= FLOW_COL_NETNS) return 4;
  if (c <= FLOW_COL_DST_PORT) return 2;
  if (c <= FLOW_COL_KIND) return 1;
  return ADDR_LEN;
}

/** Allocates output for batches of up to `capacity` records. */
export function flowInit(capacity: u32): void {
  cap = capacity;
  for (let c = 0; c < COLUMNS; c++) unchecked(columns[c] = alloc(width(c) * <usize>capacity));
}

export function flowColumn(id: i32): usize {
  return id >= 0 && id < COLUMNS ? unchecked(columns[id]) : 0;
}

/** Frames skipped with status `code` since init. */
export function flowErrors(code: i32): u32 {
  return code >= 0 && code < STATUS_COUNT ? unchecked(errors[code]) : 0;
}

export function flowStatus(): i32 {
  return lastStatus;
}

/** Well-formed records the filter dropped since init. */
export function flowFiltered(): u32 {
  return filtered;
}

/** Sets the filter: kinds mask (1 << kind, 0 = any), proto, port (either end, host order), netns;
 *  0 = any. */
export function flowFilter(kinds: u32, proto: u32, port: u32, netns: u32): void {
  fKinds = kinds;
  fProto = proto;
  fPort = port;
  fNetns = netns;
  filterOn = kinds != 0 || proto != 0 || port != 0 || netns != 0 || fAddr;
}

/** Adds an address to the filter (either end): 16 bytes at `addr` as in the record; 0 clears it. */
export function flowFilterAddr(addr: usize): void {
  fAddr = addr != 0;
  if (fAddr) {
    fAddrLo = load<u64>(addr);
    fAddrHi = load<u64>(addr, 8);
  }
  filterOn = fKinds != 0 || fProto != 0 || fPort != 0 || fNetns != 0 || fAddr;
}

/** Decodes frames from the cursor (already started) into the columns. Returns the record count. */
export function flowDecode(): u32 {
  let n: u32 = 0;
  while (n < cap && cursorNext()) {
    const code = record(framePtr, frameLen, frameSource, n);
    if (code == STATUS_OK) n++;
    else if (code > 0) unchecked(errors[code]++);
    cursorAdvance();
  }
  lastStatus = cursorEnd();
  return n;
}

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
@inline function flowId(p: usize): u32 {
  let h: u64 = load<u64>(p + OFF_COOKIE) ^ 0x6b77666c6f770000;
  h = mix(h, load<u64>(p + OFF_SRC_ADDR));
  h = mix(h, load<u64>(p + OFF_SRC_ADDR + 8));
  h = mix(h, load<u64>(p + OFF_DST_ADDR));
  h = mix(h, load<u64>(p + OFF_DST_ADDR + 8));
  h = mix(h, load<u64>(p + OFF_SRC_PORT) & 0xffffffffff);
  h ^= h >> 32;
  return <u32>h;
}

@inline function bswap16(v: u16): u16 {
  return (v << 8) | (v >> 8);
}

function matches(p: usize): bool {
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

/** STATUS_OK when written at row n; another status when skipped as bad; -1 when filtered out. */
@inline function record(p: usize, len: u32, source: u16, n: u32): i32 {
  if (source != SOURCE_FLOW) return STATUS_UNKNOWN_SOURCE;
  if (len < EVENT_SIZE) return STATUS_TRUNCATED;
  if (len != EVENT_SIZE) return STATUS_BAD_LENGTH;
  const kind = load<u8>(p + OFF_KIND);
  if (kind != KIND_UPDATE && kind != KIND_DESTROY) return STATUS_BAD_VALUE;
  if (load<u16>(p + OFF_PADDING) != 0) return STATUS_BAD_VALUE;
  if (filterOn && !matches(p)) {
    filtered++;
    return -1;
  }
  const i = <usize>n;
  const o8 = i << 3;
  store<u64>(unchecked(columns[FLOW_COL_START]) + o8, load<u64>(p + OFF_START));
  store<u64>(unchecked(columns[FLOW_COL_TS]) + o8, load<u64>(p + OFF_TS));
  store<u64>(unchecked(columns[FLOW_COL_COOKIE]) + o8, load<u64>(p + OFF_COOKIE));
  store<f64>(unchecked(columns[FLOW_COL_PACKETS_ORIG]) + o8, <f64>load<u64>(p + OFF_PACKETS_ORIG));
  store<f64>(unchecked(columns[FLOW_COL_BYTES_ORIG]) + o8, <f64>load<u64>(p + OFF_BYTES_ORIG));
  store<f64>(unchecked(columns[FLOW_COL_PACKETS_RET]) + o8, <f64>load<u64>(p + OFF_PACKETS_RET));
  store<f64>(unchecked(columns[FLOW_COL_BYTES_RET]) + o8, <f64>load<u64>(p + OFF_BYTES_RET));
  store<u32>(unchecked(columns[FLOW_COL_FLOW_ID]) + (i << 2), flowId(p));
  store<u32>(unchecked(columns[FLOW_COL_CONNMARK]) + (i << 2), load<u32>(p + OFF_CONNMARK));
  store<u32>(unchecked(columns[FLOW_COL_NETNS]) + (i << 2), load<u32>(p + OFF_NETNS));
  store<u16>(unchecked(columns[FLOW_COL_SRC_PORT]) + (i << 1), bswap16(load<u16>(p + OFF_SRC_PORT)));
  store<u16>(unchecked(columns[FLOW_COL_DST_PORT]) + (i << 1), bswap16(load<u16>(p + OFF_DST_PORT)));
  store<u8>(unchecked(columns[FLOW_COL_PROTO]) + i, load<u8>(p + OFF_PROTO));
  store<u8>(unchecked(columns[FLOW_COL_KIND]) + i, kind);
  const a = unchecked(columns[FLOW_COL_SRC_ADDR]) + (i << 4);
  store<u64>(a, load<u64>(p + OFF_SRC_ADDR));
  store<u64>(a, load<u64>(p + OFF_SRC_ADDR + 8), 8);
  const b = unchecked(columns[FLOW_COL_DST_ADDR]) + (i << 4);
  store<u64>(b, load<u64>(p + OFF_DST_ADDR));
  store<u64>(b, load<u64>(p + OFF_DST_ADDR + 8), 8);
  return STATUS_OK;
}
