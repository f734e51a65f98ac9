// The flow probe's producer: bpf/flow.bpf.c loaded with the curve and timeouts as globals, its
// cgroup_skb and tc programs attached, and its counters (packets seen, drops by kind, table full)
// read while it runs and once more as it closes.
import { existsSync, statfsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { KwireError } from '../errors.js';
import type { Producer } from '../pipeline/producer.js';
import { bootTimeNs } from '../platform/boot-time.js';
import { cgroup2Mount, withPrivateCgroup2 } from '../platform/cgroup.js';
import { requireNetworkCapabilities, requireTracingCapabilities } from '../platform/capabilities.js';
import type { BpfObject } from '../platform/native.js';
import { bpfProducer } from '../producers/bpf.js';
import { checkBatchSize, checkInteger, checkNumber, checkOptions, checkRingCapacity, invalidArgument } from '../validate.js';
import type { FlowOptions } from './flow.js';

/**
 * The default update curve of flows(): from `age` ms on, one update per `rate` ms (every 20 s at
 * first, every minute from 1 min of age, every 5 min from 5 min).
 *
 * @example
 * flows({ curve: [defaultCurve[0], defaultCurve[1], { age: 300_000, rate: 600_000 }] });
 */
export const defaultCurve: FlowOptions['curve'] = [
  { age: 0, rate: 20_000 },
  { age: 60_000, rate: 60_000 },
  { age: 300_000, rate: 300_000 },
];

/**
 * The cgroup v2 root whose traffic flows() counts by default: where the cgroup v2 hierarchy is
 * mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid hierarchy). Where none is mounted (in
 * `ip netns exec`, which remounts /sys), flows() mounts one privately for the moment it attaches.
 *
 * @example
 * flows({ attach: { cgroup: defaultCgroupRoot() } });
 */
export function defaultCgroupRoot(): string {
  return cgroup2Mount() ?? (existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup');
}

export interface ProbeConfig {
  curve: FlowOptions['curve'];
  cgroup: string | null;
  tc: readonly string[];
  idleTimeout: number;
  tcpIdleTimeout: number;
  tableSize: number;
  ringCapacity: number;
  batchSize: number;
}

/** The BPF side's counters. */
export interface ProbeCounters {
  packets_seen: number;
  dropped_update: number;
  dropped_destroy: number;
  table_full: number;
}

const u64Bytes = (value: bigint): Uint8Array => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return bytes;
};
const msToNs = (ms: number) => u64Bytes(BigInt(Math.round(ms * 1e6)));
const counterNames = ['packets_seen', 'dropped_update', 'dropped_destroy', 'table_full'] as const;

function readCounters(object: BpfObject): ProbeCounters {
  const out = {} as ProbeCounters;
  for (const name of counterNames) {
    const b = object.readGlobal(name);
    out[name] = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  }
  return out;
}

/** The producer of a probe with `config`, and its BPF counters (the last read once it closed). */
export function flowProducer(config: ProbeConfig): { producer: Producer; counters(): ProbeCounters } {
  let object: BpfObject | undefined;
  let last: ProbeCounters = { packets_seen: 0, dropped_update: 0, dropped_destroy: 0, table_full: 0 };
  const counters = () => {
    try {
      if (object) last = readCounters(object);
    } catch {
      object = undefined; // closed
    }
    return last;
  };
  const [c0, c1, c2] = config.curve;
  const what = 'counting flows';
  const bpf = bpfProducer({
    what,
    check: () => {
      requireNetworkCapabilities(what);
      requireTracingCapabilities(what);
    },
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
    configure: (o) => o.setMaxEntries('flows', config.tableSize),
    attach: (o) => {
      object = o;
      o.attach(); // the TCP close tracepoint
      const attachCgroup = (dir: string) => {
        o.attachCgroup('kw_flow_ingress', dir);
        o.attachCgroup('kw_flow_egress', dir);
      };
      if (config.cgroup === DEFAULT_ROOT) withPrivateCgroup2('flows()', attachCgroup); // none mounted here
      else if (config.cgroup !== null) {
        checkCgroup(config.cgroup);
        attachCgroup(config.cgroup);
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
  const producer: Producer = {
    what,
    check: bpf.check!,
    open(ctx) {
      // tc filters hold their programs in the kernel past the process: detach them even on process.exit().
      let closeOnExit: (() => void) | undefined;
      const inner = bpf.open(ctx);
      if (config.tc.length > 0) process.once('exit', (closeOnExit = () => inner.close()));
      return {
        counters: () => {
          const c = counters();
          return { ...inner.counters(), lostKernel: c.dropped_update + c.dropped_destroy };
        },
        close: () => {
          counters(); // before the object closes
          object = undefined;
          inner.close();
          if (closeOnExit) process.off('exit', closeOnExit);
        },
      };
    },
  };
  return { producer, counters };
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** attach.cgroup must be a directory of the cgroup v2 filesystem. */
function checkCgroup(path: string): void {
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (error) {
    return invalidArgument('flows()', `attach.cgroup: ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message} (${whereCgroup2()})`, { cause: error });
  }
  if (type !== CGROUP2_SUPER_MAGIC) invalidArgument('flows()', `attach.cgroup: ${path} is not a cgroup v2 directory (${whereCgroup2()})`);
}

/** Where the cgroup v2 root is, for a message; inside `ip netns exec` there is none. */
function whereCgroup2(): string {
  const root = cgroup2Mount();
  if (root !== undefined) return `the cgroup v2 root here: ${root}`;
  return 'no cgroup v2 filesystem is mounted in this mount namespace, as in ip netns exec, which remounts /sys: leave attach.cgroup out to count on the cgroup v2 root, or mount one (mount -t cgroup2 none DIR) and pass DIR';
}

/** attach.cgroup's default where no cgroup v2 filesystem is mounted: the root, mounted privately at attach. */
const DEFAULT_ROOT = '<the cgroup v2 root, mounted privately>';

// Milliseconds, as the BPF side's u64 nanoseconds can hold them.
const MAX_MS = 1.8e13;

/** The probe's configuration for `options`, checked, with defaults. */
export function probeConfig(options: Readonly<Partial<FlowOptions>>, fn = 'flows()'): ProbeConfig {
  const positive = (name: string, v: unknown) => checkNumber(fn, name, v ?? NaN, `a number of milliseconds in 0..${MAX_MS}`, (n) => n >= 0 && n <= MAX_MS);
  checkOptions(fn, options);
  const {
    curve = defaultCurve,
    attach = {},
    idleTimeout = 30_000,
    tcpIdleTimeout = 300_000,
    tableSize = 65_536,
    ringCapacity = 4 << 20,
    batchSize = 1024,
  } = options ?? {};
  if (!Array.isArray(curve) || curve.length !== 3) throw new KwireError('EINVAL_ARGUMENT', `${fn}: curve must have three points (Curve0..2)`);
  curve.forEach((p, i) => {
    checkOptions(fn, p, `curve[${i}]`, ['age', 'rate']);
    if (p === undefined) invalidArgument(fn, `curve[${i}] must be an object { age, rate }, got undefined`);
    positive(`curve[${i}].age`, p.age);
    positive(`curve[${i}].rate`, p.rate);
  });
  if (!(curve[0].age <= curve[1].age && curve[1].age <= curve[2].age)) throw new KwireError('EINVAL_ARGUMENT', `${fn}: curve ages must not decrease`);
  positive('idleTimeout', idleTimeout);
  positive('tcpIdleTimeout', tcpIdleTimeout);
  checkOptions(fn, attach, 'attach', ['cgroup', 'tc']);
  if (attach.cgroup !== undefined && attach.cgroup !== null && (typeof attach.cgroup !== 'string' || attach.cgroup === '')) {
    invalidArgument(fn, `attach.cgroup must be a cgroup v2 directory path or null, got ${typeof attach.cgroup === 'string' ? "''" : typeof attach.cgroup}`);
  }
  if (attach.tc !== undefined && !(Array.isArray(attach.tc) && attach.tc.every((t) => typeof t === 'string' && /^[^\s/]{1,15}$/.test(t)))) {
    invalidArgument(fn, `attach.tc must be an array of interface names (e.g. ['eth0']), got ${JSON.stringify(attach.tc)}`);
  }
  checkRingCapacity(fn, ringCapacity);
  checkInteger(fn, 'tableSize', tableSize, 1, 1 << 24, '2^24');
  checkBatchSize(fn, batchSize);
  return {
    curve: curve.map(({ age, rate }) => ({ age, rate })) as unknown as FlowOptions['curve'],
    cgroup: attach.cgroup === undefined ? (cgroup2Mount() ?? DEFAULT_ROOT) : attach.cgroup,
    tc: [...(attach.tc ?? [])],
    idleTimeout,
    tcpIdleTimeout,
    tableSize,
    ringCapacity,
    batchSize,
  };
}
