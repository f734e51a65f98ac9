// flows(): per-flow packet and byte accounting (bpf/flow.bpf.c), as conntracct's consumers: every
// consumer picks a mode (update, destroy or all), consumers with the same probe options share one BPF
// probe, and each has its own stats (received, lost, queue length) beside the probe's.
import { existsSync, statfsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Observable, share } from 'rxjs';
import { bootTimeNs } from '../platform/boot-time.js';
import { requireNetworkCapabilities } from '../platform/capabilities.js';
import { KwireError } from '../errors.js';
import { flowDecoder } from './flow-decoder.js';
import type { FlowBatch, FlowEvent } from './flow-batch.js';
import { kernelSource, type KernelSource } from '../pipeline/source.js';
import type { BpfObject } from '../platform/native.js';
import { toEvents } from '../pipeline/operators.js';
import { rawDecoder, type RawFrames } from '../pipeline/raw-frames.js';
import type { RecordDecoder } from '../pipeline/record-decoder.js';
import type { SourceStats } from '../pipeline/stats.js';
import { flowConsumer, type FlowConsumer, type FlowMode } from './flow-consumer.js';
import { checkInteger, checkNumber, checkOneOf, checkOptions, checkRingCapacity, invalidArgument } from '../validate.js';

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

export const defaultCurve: FlowOptions['curve'] = [
  { age: 0, rate: 20_000 },
  { age: 60_000, rate: 60_000 },
  { age: 300_000, rate: 300_000 },
];

/** The probe's counters: what the kernel side saw and emitted, and what it lost, by cause. */
export interface FlowProbeStats extends SourceStats {
  /** Records decoded (= received) and their bytes. */
  records: number;
  bytes: number;
  /** Packets the probe accounted. */
  packets: number;
  /** Records the BPF ring buffer could not take, by kind. */
  kernelDrops: { update: number; destroy: number };
  /** New flows not tracked because the flow table was full. */
  tableFull: number;
}

export interface FlowProbe extends KernelSource<FlowBatch> {
  stats(): FlowProbeStats;
}

const probes = new Map<string, FlowProbe>();

export function defaultCgroupRoot(): string {
  return existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
}

const u64Bytes = (value: bigint): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return bytes;
};
const msToNs = (ms: number) => u64Bytes(BigInt(Math.round(ms * 1e6)));

const counters = ['packets_seen', 'dropped_update', 'dropped_destroy', 'table_full'] as const;

function readCounters(object: BpfObject): Record<(typeof counters)[number], number> {
  const out = {} as Record<(typeof counters)[number], number>;
  for (const name of counters) {
    const b = object.readGlobal(name);
    out[name] = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  }
  return out;
}

interface ProbeConfig {
  curve: FlowOptions['curve'];
  cgroup: string | null;
  tc: readonly string[];
  idleTimeout: number;
  tcpIdleTimeout: number;
  tableSize: number;
  ringCapacity: number;
  batchSize: number;
}

/** The shared probe for these options (one BPF object per distinct configuration). */
export function flowProbe(config: ProbeConfig): FlowProbe {
  const key = JSON.stringify(config);
  const existing = probes.get(key);
  if (existing) return existing;
  const probe = countedProbe(config, flowDecoder) as FlowProbe;
  probes.set(key, probe);
  return probe;
}

/** flows() as raw frames of every kind, undecoded (for captures): a probe of its own, not shared. */
export function flowRaw(options: Readonly<Partial<Omit<FlowOptions, 'mode' | 'maxQueue'>>> = {}): KernelSource<RawFrames> & { stats(): FlowProbeStats } {
  return countedProbe(probeConfig(options), rawDecoder('flow'));
}

/** A flow probe with `decoder`, whose stats add the BPF side's counters. */
function countedProbe<B>(config: ProbeConfig, decoder: RecordDecoder<B>): KernelSource<B> & { stats(): FlowProbeStats } {
  let object: BpfObject | undefined;
  let untilClosed = () => {};
  let last = { packets_seen: 0, dropped_update: 0, dropped_destroy: 0, table_full: 0 };
  const snapshot = () => {
    try {
      if (object) last = readCounters(object);
    } catch {
      object = undefined; // closed
    }
    return last;
  };
  const [c0, c1, c2] = config.curve;
  const source = kernelSource({
    object: 'flow',
    map: 'events',
    globals: {
      curve0_age: msToNs(c0.age),
      curve0_rate: msToNs(c0.rate),
      curve1_age: msToNs(c1.age),
      curve1_rate: msToNs(c1.rate),
      curve2_age: msToNs(c2.age),
      curve2_rate: msToNs(c2.rate),
      idle_timeout: msToNs(config.idleTimeout),
      tcp_idle_timeout: msToNs(config.tcpIdleTimeout),
      sweep_interval: msToNs(Math.max(10, Math.min(1000, config.idleTimeout / 4))),
      // wall clock minus boot-time clock
      epoch_offset: u64Bytes(BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) - bootTimeNs()),
    },
    decoder,
    ringCapacity: config.ringCapacity,
    batchSize: config.batchSize,
    configure: (o) => o.setMaxEntries('flows', config.tableSize),
    attach: (o) => {
      object = o;
      o.attach(); // the TCP close tracepoint
      if (config.cgroup !== null) {
        checkCgroup(config.cgroup);
        o.attachCgroup('kw_flow_ingress', config.cgroup);
        o.attachCgroup('kw_flow_egress', config.cgroup);
      }
      // tc filters hold their programs in the kernel past the process: detach them even on process.exit().
      if (config.tc.length > 0) {
        const close = () => o.close();
        process.once('exit', close);
        untilClosed = () => process.off('exit', close);
      }
      for (const ifname of config.tc) {
        try {
          o.attachTc('kw_flow_tc_ingress', ifname, 'ingress');
          o.attachTc('kw_flow_tc_egress', ifname, 'egress');
        } catch (error) {
          if ((error as { errno?: number }).errno !== 19) throw error; // ENODEV
          invalidArgument('flows()', `attach.tc: no network interface '${ifname}' in this network namespace (list them: ip -br link)`, { cause: error });
        }
      }
    },
  });
  // Counters are read before the object closes (this teardown runs before the inner one).
  const probe = new Observable<B>((subscriber) => {
    requireNetworkCapabilities('counting flows');
    // Not subscribe(subscriber): that would chain the inner teardown before this one.
    const inner = source.subscribe({ next: (b) => subscriber.next(b), error: (e: unknown) => subscriber.error(e), complete: () => subscriber.complete() });
    return () => {
      snapshot();
      object = undefined;
      inner.unsubscribe();
      untilClosed();
      untilClosed = () => {};
    };
  }).pipe(share()) as KernelSource<B> & { stats(): FlowProbeStats };
  probe.stats = (): FlowProbeStats => {
    const s = source.stats();
    const c = snapshot();
    return {
      ...s,
      lost: { ...s.lost, kernel: c.dropped_update + c.dropped_destroy },
      records: s.received,
      bytes: s.received * 104,
      packets: c.packets_seen,
      kernelDrops: { update: c.dropped_update, destroy: c.dropped_destroy },
      tableFull: c.table_full,
    };
  };
  return probe;
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** attach.cgroup must be a directory of the cgroup v2 filesystem. */
function checkCgroup(path: string): void {
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (error) {
    return invalidArgument('flows()', `attach.cgroup: ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message} (the cgroup v2 root here: ${defaultCgroupRoot()})`, { cause: error });
  }
  if (type !== CGROUP2_SUPER_MAGIC) invalidArgument('flows()', `attach.cgroup: ${path} is not a cgroup v2 directory (the cgroup v2 root here: ${defaultCgroupRoot()})`);
}

// Milliseconds, as the BPF side's u64 nanoseconds can hold them.
const MAX_MS = 1.8e13;
const positive = (name: string, v: unknown) => checkNumber('flows()', name, v ?? NaN, `a number of milliseconds in 0..${MAX_MS}`, (n) => n >= 0 && n <= MAX_MS);

/** Flow records for one consumer; consumers with the same probe options share one probe. */
export function flows(options: Readonly<Partial<FlowOptions>> = {}): FlowConsumer {
  checkOptions('flows()', options);
  const { mode = 'all', maxQueue = 65_536 } = options;
  checkOneOf('flows()', 'mode', mode, ['update', 'destroy', 'all']);
  checkInteger('flows()', 'maxQueue', maxQueue, 0, 2 ** 32, '2^32'); // 0: a consumer that keeps nothing (all lost)
  return flowConsumer(flowProbe(probeConfig(options)), mode, maxQueue);
}

/** The probe's configuration for `options`, checked, with defaults. */
function probeConfig(options: Readonly<Partial<FlowOptions>>): ProbeConfig {
  checkOptions('flows()', options);
  const {
    curve = defaultCurve,
    attach = {},
    idleTimeout = 30_000,
    tcpIdleTimeout = 300_000,
    tableSize = 65_536,
    ringCapacity = 4 << 20,
    batchSize = 1024,
  } = options;
  if (!Array.isArray(curve) || curve.length !== 3) throw new KwireError('EINVAL_ARGUMENT', 'curve must have three points (Curve0..2)');
  curve.forEach((p, i) => {
    checkOptions('flows()', p, `curve[${i}]`);
    if (p === undefined) invalidArgument('flows()', `curve[${i}] must be an object { age, rate }, got undefined`);
    positive(`curve[${i}].age`, p.age);
    positive(`curve[${i}].rate`, p.rate);
  });
  if (!(curve[0].age <= curve[1].age && curve[1].age <= curve[2].age)) throw new KwireError('EINVAL_ARGUMENT', 'curve ages must not decrease');
  positive('idleTimeout', idleTimeout);
  positive('tcpIdleTimeout', tcpIdleTimeout);
  checkOptions('flows()', attach, 'attach');
  if (attach.cgroup !== undefined && attach.cgroup !== null && (typeof attach.cgroup !== 'string' || attach.cgroup === '')) {
    invalidArgument('flows()', `attach.cgroup must be a cgroup v2 directory path or null, got ${typeof attach.cgroup === 'string' ? "''" : typeof attach.cgroup}`);
  }
  if (attach.tc !== undefined && !(Array.isArray(attach.tc) && attach.tc.every((t) => typeof t === 'string' && /^[^\s/]{1,15}$/.test(t)))) {
    invalidArgument('flows()', `attach.tc must be an array of interface names (e.g. ['eth0']), got ${JSON.stringify(attach.tc)}`);
  }
  checkRingCapacity('flows()', ringCapacity);
  if (!Number.isInteger(tableSize) || tableSize < 1 || tableSize > 1 << 24) {
    throw new KwireError('EINVAL_ARGUMENT', `tableSize must be an integer in 1..2^24, got ${tableSize}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1 << 20) {
    throw new KwireError('EINVAL_ARGUMENT', `batchSize must be an integer in 1..2^20, got ${batchSize}`);
  }
  return {
    curve: curve.map(({ age, rate }) => ({ age, rate })) as unknown as FlowOptions['curve'],
    cgroup: attach.cgroup === undefined ? defaultCgroupRoot() : attach.cgroup,
    tc: [...(attach.tc ?? [])],
    idleTimeout,
    tcpIdleTimeout,
    tableSize,
    ringCapacity,
    batchSize,
  };
}

/** flows() as one event object per record. */
export function flowEvents(options: Readonly<Partial<FlowOptions>> = {}): Observable<FlowEvent> {
  return flows(options).pipe(toEvents());
}
