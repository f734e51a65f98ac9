// flows(): conntracct's consumers over shared probes. Every consumer picks a mode (update, destroy or
// all); consumers with the same probe options share one BPF probe (flow-producer.ts), and each has its
// own stats (received, lost, queue length) beside the probe's.
import type { Observable } from 'rxjs';
import { flowDecoder, type FlowBatch } from '../generated/flow.js';
import { toEvents } from '../pipeline/operators.js';
import { kernelSource, type KernelSource } from '../pipeline/source.js';
import type { SourceStats } from '../pipeline/stats.js';
import { checkInteger, checkOneOf, checkOptions } from '../validate.js';
import { flowConsumer, type FlowConsumer, type FlowStats } from './flow-consumer.js';
import { flowKind, type FlowEvent, type FlowOptions } from './flow.js';
import { flowProducer, probeConfig, type ProbeConfig } from './flow-producer.js';

/** The probe's counters: what the kernel side saw and emitted, and what it lost, by cause. */
export interface FlowProbeStats extends SourceStats {
  /** Records decoded (= received). */
  records: number;
  /** Bytes of those records (records × 104): what the probe moved, not the traffic's bytes (packets' bytes are in the records). */
  recordBytes: number;
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

/** The shared probe for these options (one BPF object per distinct configuration). */
function flowProbe(config: ProbeConfig): FlowProbe {
  const key = JSON.stringify(config);
  const existing = probes.get(key);
  if (existing) return existing;
  const { producer, counters } = flowProducer(config);
  const probe = kernelSource({ producer, decoder: flowDecoder, ringCapacity: config.ringCapacity, batchSize: config.batchSize }) as FlowProbe;
  const sourceStats = probe.stats;
  probe.stats = (): FlowProbeStats => {
    const s = sourceStats();
    const c = counters();
    return {
      ...s,
      records: s.received,
      recordBytes: s.received * flowKind.layout.size,
      packets: c.packets_seen,
      kernelDrops: { update: c.dropped_update, destroy: c.dropped_destroy },
      tableFull: c.table_full,
    };
  };
  probes.set(key, probe);
  return probe;
}

/** Every key of FlowOptions (others are refused). */
const flowOptionNames = ['mode', 'curve', 'attach', 'idleTimeout', 'tcpIdleTimeout', 'tableSize', 'maxQueue', 'ringCapacity', 'batchSize'];

/**
 * Flow records for one consumer, in batches: packets and bytes per flow each way, as updates along the
 * curve and a destroy at the end (conntracct's consumer). Consumers with the same probe options share
 * one probe.
 *
 * @example
 * flows({ mode: 'destroy' }).subscribe((batch) => { for (let i = 0; i < batch.length; i++) console.log(batch.srcAddr(i), batch.bytesOrig[i]); });
 * @throws KwireError EINVAL_ARGUMENT for a bad option; on subscribe, PermissionError naming the missing
 *   capabilities, KwireError EINVAL_ARGUMENT for a missing cgroup or interface, ENATIVE.
 */
export function flows(options: Readonly<Partial<FlowOptions>> = {}): FlowConsumer {
  checkOptions('flows()', options, 'options', flowOptionNames);
  const { mode = 'all', maxQueue = 65_536 } = options ?? {};
  checkOneOf('flows()', 'mode', mode, ['update', 'destroy', 'all']);
  checkInteger('flows()', 'maxQueue', maxQueue, 0, 2 ** 32, '2^32'); // 0: a consumer that keeps nothing (all lost)
  return flowConsumer(flowProbe(probeConfig(options)), mode, maxQueue);
}

/** flowEvents(): one event per flow record, with the consumer's and the probe's counters. */
export interface FlowEventSource extends Observable<FlowEvent> {
  /** The consumer's stats (FlowConsumer.stats()). */
  stats(): FlowStats;
}

/**
 * flows() as one event object per record.
 *
 * @example
 * flowEvents({ mode: 'destroy' }).subscribe((e) => console.log(e.srcAddr, e.dstAddr, e.bytesOrig));
 * @throws as flows().
 */
export function flowEvents(options: Readonly<Partial<FlowOptions>> = {}): FlowEventSource {
  const consumer = flows(options);
  return Object.assign(consumer.pipe(toEvents<FlowEvent>()), { stats: () => consumer.stats() });
}
