// flow: per-flow packet and byte accounting (bpf/flow.bpf.c), 104-byte records of updates and
// destroys. The record kind's one declaration; the generated code is in generated/flow.ts, the
// conntracct-style consumers and shared probes in flow-probe.ts.
import { defineKind } from '../pipeline/kind.js';
import { flowProducer, probeConfig } from './flow-producer.js';
import type { FlowMode } from './flow-consumer.js';
import type { FlowBatch } from '../generated/flow.js';

/**
 * The values of a flow record's `kind` (bpf/include/flow.h): a periodic `update`, or the final `destroy`.
 *
 * @example
 * if (batch.kind[i] === FlowKind.destroy) console.log('flow closed', batch.flowId[i]);
 */
export const FlowKind = { update: 1, destroy: 2 } as const;
export type FlowKindName = keyof typeof FlowKind;
const kindNames: Record<number, FlowKindName> = { 1: 'update', 2: 'destroy' };

/** One point of the update curve, in milliseconds: from `age` on, one update per `rate`. */
export interface FlowCurvePoint {
  age: number;
  rate: number;
}

export interface FlowAttach {
  /** cgroup v2 directory for the cgroup_skb programs; null for none. Default: the cgroup v2 root. */
  cgroup: string | null;
  /** Interfaces (of this process's network namespace) to count on with tc, both directions. Default: none. */
  tc: readonly string[];
}

export interface FlowOptions {
  /** Which records this consumer receives. Default: 'all'. */
  mode: FlowMode;
  /** conntracct's Curve0..2. Default: [{0, 20 s}, {60 s, 60 s}, {5 min, 5 min}]. */
  curve: readonly [FlowCurvePoint, FlowCurvePoint, FlowCurvePoint];
  /** Where to count packets. Default: cgroup_skb on the cgroup v2 root. */
  attach: Readonly<Partial<FlowAttach>>;
  /** A flow other than TCP is destroyed after this many idle milliseconds. Default: 30 000. */
  idleTimeout: number;
  /** A TCP flow whose close was not seen is destroyed after this many idle milliseconds. Default: 300 000. */
  tcpIdleTimeout: number;
  /** Flow table bound; new flows beyond it are counted in stats (tableFull), not tracked. Default: 65 536. */
  tableSize: number;
  /** Records buffered for this consumer before it loses them. Default: 65 536. */
  maxQueue: number;
  /** Shared ring size in bytes, a power of two. Default: 4 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
}

export interface FlowEvent {
  type: 'flow';
  kind: FlowKindName;
  /** Flow start, epoch nanoseconds. */
  start: bigint;
  /** Event time, boot-time nanoseconds. */
  ts: bigint;
  /** Kernel-unique flow identity (a per-probe sequence number). */
  cookie: bigint;
  /** 32-bit hash of addresses, ports, proto and cookie (README, "flowId"). */
  flowId: number;
  connmark: number;
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  /** Network namespace inode. */
  netns: number;
  packetsOrig: number;
  bytesOrig: number;
  packetsRet: number;
  bytesRet: number;
}

const protoNames: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmp6', 132: 'sctp' };
const endpoint = (addr: string, port: number) => (port ? (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`) : addr);

export const flowKind = defineKind({
  name: 'flow', sourceId: 3, object: 'flow', layoutVersion: 1, // bpf/include/flow.h FLOW_LAYOUT_VERSION (test/raw-frames.test.ts checks they agree)
  // bpf/include/flow.h: the conntracct layout plus `kind`. Counters become f64 columns (exact below
  // 2^53), ports host order, addresses 16 raw bytes. flowId and the in-pass filter are hand-written
  // (assembly/flow-hooks.ts).
  layout: { name: 'flow', struct: 'flow_event', size: 104,
    fields: [
      { name: 'start', type: 'u64' }, { name: 'ts', type: 'u64' }, { name: 'cookie', type: 'u64' },
      { name: 'srcAddr', type: 'ip' }, { name: 'dstAddr', type: 'ip' },
      { name: 'packetsOrig', type: 'u64', as: 'f64' }, { name: 'bytesOrig', type: 'u64', as: 'f64' },
      { name: 'packetsRet', type: 'u64', as: 'f64' }, { name: 'bytesRet', type: 'u64', as: 'f64' },
      { name: 'connmark', type: 'u32' }, { name: 'netns', type: 'u32' },
      { name: 'srcPort', type: 'u16be' }, { name: 'dstPort', type: 'u16be' },
      { name: 'proto', type: 'u8' }, { name: 'kind', type: 'u8', oneOf: [1, 2] },
      { name: 'padding', type: { kind: 'bytes', length: 2 }, zero: true, column: false },
    ],
    hooks: 'flow-hooks',
    derived: [{ name: 'flowId', type: 'u32', fn: 'flowId' }],
    filter: 'flowMatches',
  },
  hookExports: ['flowFilter', 'flowFilterAddr'],
  time: 'ts',
  sourceFunctions: false, // flows() and flowEvents() are consumers of shared probes (flow-probe.ts)
  event: (b: FlowBatch, i: number): FlowEvent => ({
    type: 'flow', kind: kindNames[b.kind[i]!]!, start: b.start[i]!, ts: b.ts[i]!, cookie: b.cookie[i]!, flowId: b.flowId[i]!, connmark: b.connmark[i]!,
    srcAddr: b.srcAddr(i), dstAddr: b.dstAddr(i), srcPort: b.srcPort[i]!, dstPort: b.dstPort[i]!, proto: b.proto[i]!, netns: b.netns[i]!,
    packetsOrig: b.packetsOrig[i]!, bytesOrig: b.bytesOrig[i]!, packetsRet: b.packetsRet[i]!, bytesRet: b.bytesRet[i]!,
  }),
  // Captures record every kind of record (update and destroy) from a probe of their own.
  open: (options: Readonly<Partial<FlowOptions>>, fn: string) => {
    const config = probeConfig(options, fn);
    return { producer: flowProducer(config).producer, ringCapacity: config.ringCapacity, batchSize: config.batchSize };
  },
  capture: ({ cgroup }) => (cgroup === undefined ? {} : { attach: { cgroup } }),
  cli: {
    columns: [
      { header: 'KIND', width: 7, value: (e) => e.kind },
      { header: 'PROTO', width: 5, value: (e) => protoNames[e.proto] ?? String(e.proto) },
      { header: 'SRC', width: 26, value: (e) => endpoint(e.srcAddr, e.srcPort) },
      { header: 'DST', width: 26, value: (e) => endpoint(e.dstAddr, e.dstPort) },
      { header: 'PKTS>', width: 7, value: (e) => String(e.packetsOrig) },
      { header: 'BYTES>', width: 10, value: (e) => String(e.bytesOrig) },
      { header: '<PKTS', width: 7, value: (e) => String(e.packetsRet) },
      { header: '<BYTES', width: 10, value: (e) => String(e.bytesRet) },
      // at the record's time (start is epoch ns, ts boot-time ns), so a replay shows the ages it recorded
      { header: 'AGE', width: 0, value: (e, t) => (Math.max(0, t.toDate(e.ts).getTime() * 1e6 - Number(e.start)) / 1e9).toFixed(1) },
    ],
    // DESIGN.md's CLI contract: these fields, in this order
    json: (e) => ({
      type: 'flow', start: e.start, ts: e.ts, flowId: e.flowId, connmark: e.connmark, srcAddr: e.srcAddr, dstAddr: e.dstAddr, srcPort: e.srcPort,
      dstPort: e.dstPort, proto: e.proto, netns: e.netns, packetsOrig: e.packetsOrig, bytesOrig: e.bytesOrig, packetsRet: e.packetsRet, bytesRet: e.bytesRet, kind: e.kind,
    }),
  },
  doc: {
    summary: 'Packets and bytes per flow, each way (cgroup_skb or tc), as updates along a curve and a destroy at the end.',
    example: "flowEvents({ mode: 'destroy' }).subscribe((e) => console.log(e.srcAddr, e.dstAddr, e.bytesOrig));",
  },
});
