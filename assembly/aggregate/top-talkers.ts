// Top-talker aggregation over flow batches (packages/kwire/src/compose/top-talkers.ts drives it): a
// module of its own, apart from the decoders (no shared memory, no runtime, no allocation: the
// TypeScript side lays out every region above __heap_base and grows the memory).
//
// Flow records carry cumulative counters, so each record adds what its flow sent since the flow's
// previous record (a flow table keyed by cookie keeps the last counters; a destroy ends the flow) to
// the sums of its key (a key table keyed by the chosen columns' bytes). Both tables are open
// addressing with linear probing (a destroy deletes by backward shift: no tombstones), bounded; what
// does not fit is counted, never written out of bounds.

// Key table slot: u32 hash+1 (0 = empty), u32 pad, key bytes (padded to 8), then 5 f64 sums.
const SUMS: usize = 40; // bytesOrig, bytesRet, packetsOrig, packetsRet, records
// Flow table slot: u64 cookie, 4 f64 last counters, u32 generation last seen, u32 state.
const FLOW_SLOT: usize = 48;
const FREE: u32 = 0;
const LIVE: u32 = 1;
const DESTROY: u8 = 2;
const K: u64 = 0x9e3779b97f4a7c15;

let keyBytes: usize = 0;
let slotSize: usize = 0;
let keyMask: u32 = 0;
let keyTable: usize = 0;
let usedList: usize = 0;
let used: u32 = 0;
let flowMask: u32 = 0;
let flowTable: usize = 0;
let flowSpare: usize = 0;
let flowLive: u32 = 0;
let generation: u32 = 1;
let columns: usize = 0;
let columnCount: u32 = 0;
let scratch: usize = 0;
let keyOverflow: f64 = 0;
let flowOverflow: f64 = 0;
let flowEvicted: f64 = 0;

/** The first byte the TypeScript side may lay regions out from. */
export function topHeapBase(): usize {
  return __heap_base;
}

/** Sets the regions: keys of `kb` bytes (a multiple of 8) in a table of `kc` slots (a power of two)
 *  at `kt`, its used-slot list at `ul`; a flow table of `fc` slots (a power of two) at `ft` with a
 *  spare of the same size at `fs`; `n` key columns described at `cols` (u32 address, u32 width of
 *  1, 2, 4, 8 or 16 bytes each); a key scratch of `kb` bytes at `sc`. Every table must be zeroed. */
export function topInit(kb: u32, kc: u32, kt: usize, ul: usize, fc: u32, ft: usize, fs: usize, cols: usize, n: u32, sc: usize): void {
  keyBytes = <usize>kb;
  slotSize = 8 + keyBytes + SUMS;
  keyMask = kc - 1;
  keyTable = kt;
  usedList = ul;
  used = 0;
  flowMask = fc - 1;
  flowTable = ft;
  flowSpare = fs;
  flowLive = 0;
  generation = 1;
  columns = cols;
  columnCount = n;
  scratch = sc;
  keyOverflow = 0;
  flowOverflow = 0;
  flowEvicted = 0;
}

/** Slots of the key table in use (their indexes are the first `topUsed()` u32s of the used list). */
export function topUsed(): u32 {
  return used;
}

/** The key table slot's size in bytes. */
export function topSlotSize(): u32 {
  return <u32>slotSize;
}

/** Records not summed because the key table was full. */
export function topKeyOverflow(): f64 {
  return keyOverflow;
}

/** Records whose flow could not be remembered (flow table full): their counters count whole. */
export function topFlowOverflow(): f64 {
  return flowOverflow;
}

/** Flows forgotten because no record of theirs came for the idle number of windows (a lost destroy). */
export function topFlowEvicted(): f64 {
  return flowEvicted;
}

/** Flows remembered now. */
export function topFlows(): u32 {
  return flowLive;
}

@inline function mix(h: u64, w: u64): u64 {
  return rotl<u64>(h ^ w, 29) * K;
}

@inline function buildKey(i: usize): u32 {
  // Stores, not memory.fill: V8 runs the bulk-memory instructions as calls.
  for (let o: usize = 0; o < keyBytes; o += 8) store<u64>(scratch + o, 0);
  let at = scratch;
  for (let c: u32 = 0; c < columnCount; c++) {
    const base = <usize>load<u32>(columns + (<usize>c << 3));
    const width = <usize>load<u32>(columns + (<usize>c << 3), 4);
    const p = base + i * width;
    if (width == 1) store<u8>(at, load<u8>(p));
    else if (width == 2) store<u16>(at, load<u16>(p));
    else if (width == 4) store<u32>(at, load<u32>(p));
    else if (width == 8) store<u64>(at, load<u64>(p));
    else {
      store<u64>(at, load<u64>(p));
      store<u64>(at, load<u64>(p, 8), 8);
    }
    at += width;
  }
  let h: u64 = 0x6b77746f70000000;
  for (let o: usize = 0; o < keyBytes; o += 8) h = mix(h, load<u64>(scratch + o));
  h ^= h >> 32;
  return <u32>h;
}

@inline function keyEquals(slot: usize): bool {
  for (let o: usize = 0; o < keyBytes; o += 8) if (load<u64>(slot + 8 + o) != load<u64>(scratch + o)) return false;
  return true;
}

/** The key table slot for the key in scratch, claimed if new; 0 when the table is full. */
@inline function keySlot(hash: u32): usize {
  const tag = hash | 1;
  let i = hash & keyMask;
  for (let probes: u32 = 0; probes <= keyMask; probes++) {
    const slot = keyTable + <usize>i * slotSize;
    const t = load<u32>(slot);
    if (t == 0) {
      // Keep a quarter free so probes stay short and a full table is found quickly.
      if (used >= keyMask - (keyMask >> 2)) return 0;
      store<u32>(slot, tag);
      for (let o: usize = 0; o < keyBytes; o += 8) store<u64>(slot + 8 + o, load<u64>(scratch + o));
      store<u32>(usedList + (<usize>used << 2), i);
      used++;
      return slot;
    }
    if (t == tag && keyEquals(slot)) return slot;
    i = (i + 1) & keyMask;
  }
  return 0;
}

@inline function flowHash(cookie: u64): u32 {
  const h = cookie * K;
  return <u32>(h >> 32);
}

/** The flow slot of `cookie` in `table`, or the free slot where it would go; 0 when full. */
function flowFind(table: usize, cookie: u64): usize {
  let i = flowHash(cookie) & flowMask;
  for (let probes: u32 = 0; probes <= flowMask; probes++) {
    const slot = table + <usize>i * FLOW_SLOT;
    if (load<u32>(slot, 44) == FREE || load<u64>(slot) == cookie) return slot;
    i = (i + 1) & flowMask;
  }
  return 0;
}

/** Empties the flow slot at `slot` by backward-shift deletion (linear probing without tombstones):
 *  each later entry of its cluster that may move back into the hole does, so lookups stay short. */
function flowRemove(slot: usize): void {
  let hole = <u32>((slot - flowTable) / FLOW_SLOT);
  let j = hole;
  while (true) {
    j = (j + 1) & flowMask;
    const next = flowTable + <usize>j * FLOW_SLOT;
    if (load<u32>(next, 44) == FREE) break;
    const home = flowHash(load<u64>(next)) & flowMask;
    // The entry at j stays when its home lies cyclically in (hole, j].
    const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
    if (stays) continue;
    memory.copy(flowTable + <usize>hole * FLOW_SLOT, next, FLOW_SLOT);
    hole = j;
  }
  memory.fill(flowTable + <usize>hole * FLOW_SLOT, 0, FLOW_SLOT);
  flowLive--;
}

/** Sums `n` records: key columns as set by topInit, then the flow columns at these addresses (u64
 *  cookie, u8 kind, f64 packetsOrig, bytesOrig, packetsRet, bytesRet). */
export function topAdd(n: u32, cookie: usize, kind: usize, po: usize, bo: usize, pr: usize, br: usize): void {
  for (let r: usize = 0; r < <usize>n; r++) {
    const o = r << 3;
    const c = load<u64>(cookie + o);
    let dPo = load<f64>(po + o);
    let dBo = load<f64>(bo + o);
    let dPr = load<f64>(pr + o);
    let dBr = load<f64>(br + o);
    const destroy = load<u8>(kind + r) == DESTROY;
    let flow = flowFind(flowTable, c);
    if (flow != 0 && load<u32>(flow, 44) == LIVE) {
      const lPo = load<f64>(flow, 8);
      const lBo = load<f64>(flow, 16);
      const lPr = load<f64>(flow, 24);
      const lBr = load<f64>(flow, 32);
      // A counter below its last value is a new flow under an old cookie: count it whole.
      if (dPo >= lPo && dBo >= lBo && dPr >= lPr && dBr >= lBr) {
        dPo -= lPo;
        dBo -= lBo;
        dPr -= lPr;
        dBr -= lBr;
      }
    } else if (flow != 0 && !destroy) {
      // Keep a quarter free so probes stay short and a full table is found quickly.
      if (flowLive >= flowMask - (flowMask >> 2)) flow = 0;
      else {
        store<u64>(flow, c);
        store<u32>(flow, LIVE, 44);
        flowLive++;
      }
    }
    if (flow == 0) flowOverflow += 1;
    else if (load<u32>(flow, 44) == LIVE) {
      if (destroy) flowRemove(flow);
      else {
        store<f64>(flow, load<f64>(po + o), 8);
        store<f64>(flow, load<f64>(bo + o), 16);
        store<f64>(flow, load<f64>(pr + o), 24);
        store<f64>(flow, load<f64>(br + o), 32);
        store<u32>(flow, generation, 40);
      }
    }
    const slot = keySlot(buildKey(r));
    if (slot == 0) {
      keyOverflow += 1;
      continue;
    }
    const s = slot + 8 + keyBytes;
    store<f64>(s, load<f64>(s) + dBo);
    store<f64>(s, load<f64>(s, 8) + dBr, 8);
    store<f64>(s, load<f64>(s, 16) + dPo, 16);
    store<f64>(s, load<f64>(s, 24) + dPr, 24);
    store<f64>(s, load<f64>(s, 32) + 1, 32);
  }
}

/** Empties the key table (after the TypeScript side read the window's sums) and ends a window for the
 *  flow table: flows unseen for `idleWindows` windows are forgotten (counted). Returns the flows forgotten. */
export function topWindow(idleWindows: u32): u32 {
  for (let u: u32 = 0; u < used; u++) {
    const i = load<u32>(usedList + (<usize>u << 2));
    memory.fill(keyTable + <usize>i * slotSize, 0, slotSize);
  }
  used = 0;
  generation++;
  if (idleWindows == 0 || generation <= idleWindows) return 0;
  return rebuild(generation - idleWindows);
}

/** Copies the live flows seen since generation `oldest` into the spare table, which becomes the
 *  table. Returns the flows left behind (counted as evicted). */
function rebuild(oldest: u32): u32 {
  let forgotten: u32 = 0;
  const capacity = <usize>flowMask + 1;
  memory.fill(flowSpare, 0, capacity * FLOW_SLOT);
  const from = flowTable;
  flowTable = flowSpare;
  flowSpare = from;
  flowLive = 0;
  for (let i: usize = 0; i < capacity; i++) {
    const slot = from + i * FLOW_SLOT;
    if (load<u32>(slot, 44) != LIVE) continue;
    if (load<u32>(slot, 40) < oldest) {
      forgotten++;
      continue;
    }
    const to = flowFind(flowTable, load<u64>(slot));
    memory.copy(to, slot, FLOW_SLOT);
    flowLive++;
  }
  flowEvicted += <f64>forgotten;
  return forgotten;
}
