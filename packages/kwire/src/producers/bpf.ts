// The BPF producer: a BPF object loaded and attached, its ring buffer (or perf event array) copied into
// the shared ring by the addon's poll thread. Built-in kinds and source() for users' objects use it.
import type { PerfOptions, PerfReader, WakeMode } from '../platform/addon.js';
import { bpfObjectPath } from '../platform/artifacts.js';
import { needsTracefs, withTracefs } from '../platform/tracefs.js';
import { requireTracingCapabilities } from '../platform/capabilities.js';
import { loadAddon, nativeCall, type BpfObject, type RingReader } from '../platform/native.js';
import type { OpenProducer, Producer, ProducerContext } from '../pipeline/producer.js';
import type { SourceStats } from '../pipeline/stats.js';
import { TransportMap, type Transport } from '../pipeline/transport.js';

export interface BpfProducerSpec {
  /** What the source does, for messages ('tracing exec events'). */
  what: string;
  /** BPF object: a name in bpf/.output (without .bpf.o), or a path to a user's own object. */
  object: string;
  /** Ring buffer map name in that object. */
  map: string;
  /** Global variables set before load (name → bytes). */
  globals?: Record<string, Uint8Array>;
  /** Global holding the kernel side's drop counter (u64), if any (ring buffer transport). */
  droppedGlobal?: string;
  /** Before load: anything else to configure on the object (map sizes, …). */
  configure?: (object: BpfObject) => void;
  /** Attaches the loaded programs. Default: every program libbpf can attach by its SEC name. */
  attach?: (object: BpfObject) => void;
  /** Transport of a built-in object (pipeline/transport.ts): sets kw_use_perf and shrinks the unused
   *  map. Default: 'ringbuf' through `map`, with nothing set. */
  transport?: Transport;
  /** Perf transport: the perf event array's name (default 'events_perf') and its rings' settings. */
  perfMap?: string;
  perfOptions?: PerfOptions;
  /** Who reads the kernel ring (the addon's BpfReaderOptions.wake). Default 'adaptive'. */
  wake?: WakeMode;
  /** JS-thread reads at most once per this many ms (BpfReaderOptions.latencyBoundMs). Default 0. */
  latencyBoundMs?: number;
  /** Privileges checked before load. Default: requireTracingCapabilities. */
  check?: () => void;
  /** After load and attach, with the reader open but paused: the kernel rings exist and fill, nothing
   *  reads them yet (e.g. to measure the drain of a full ring). */
  prepare?: (object: BpfObject) => Promise<void> | void;
  /** After the reader started: starts whatever the source drives itself; returns its teardown. */
  started?: (context: StartedContext) => (() => void) | void;
}

/** What a BPF producer's `started` hook gets: the loaded object and the pipeline's stats, complete and error. */
export interface StartedContext {
  object: BpfObject;
  /** The source's counters so far. */
  stats(): SourceStats;
  /** Ends the source: the pipeline drains what is left and completes. */
  complete(): void;
  /** Fails the source with `error`. */
  error(error: unknown): void;
}

/**
 * A u32 value as 4 little-endian bytes, the form of a global variable set before load.
 *
 * @example
 * source({ object, map: 'events', decoder, globals: { target_pid: u32Bytes(process.pid) } });
 */
export function u32Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

/**
 * A producer that loads a BPF object, sets its globals, attaches its programs and reads its ring buffer
 * (or perf buffer) map into the shared ring; closing it detaches and unloads everything.
 *
 * @example
 * const producer = bpfProducer({ what: 'tracing hello events', object: '/abs/hello.bpf.o', map: 'events' });
 * @throws never itself; its `check` throws PermissionError naming the missing capabilities, and its
 *   `open` throws KwireError ENOT_BUILT (addon or built-in object missing), ENATIVE, or PermissionError
 *   when the kernel refuses with EPERM/EACCES.
 */
export function bpfProducer(spec: BpfProducerSpec): Producer {
  const { what } = spec;
  const perf = spec.transport === 'perf';
  return {
    what,
    check: spec.check ?? (() => requireTracingCapabilities(what)),
    open(ctx: ProducerContext): OpenProducer {
      const addon = loadAddon();
      let object: BpfObject | undefined;
      let reader: RingReader | PerfReader | undefined;
      let stopStarted: (() => void) | void;
      let kernelDropped = 0;
      const close = (): void => {
        stopStarted?.();
        stopStarted = undefined;
        reader?.close();
        object?.close();
        reader = object = undefined;
      };
      const counters = () => {
        if (object && spec.droppedGlobal && !perf) {
          const bytes = nativeCall(what, () => object!.readGlobal(spec.droppedGlobal!));
          kernelDropped = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
        }
        // Perf: the kernel's own PERF_RECORD_LOST counts (the ring header's kernelLost; the BPF-side
        // counter sees the same drops).
        const lostByCpu = perf && reader ? (reader as PerfReader).stats().lostByCpu : undefined;
        return {
          ...(perf ? {} : { lostKernel: kernelDropped }),
          transport: spec.transport ?? ('ringbuf' as const),
          ...(lostByCpu ? { lostByCpu } : {}),
        };
      };
      const begin = (o: BpfObject): void => {
        stopStarted = spec.started?.({ object: o, stats: ctx.stats, complete: ctx.complete, error: ctx.error });
      };
      const wake = { ...(spec.wake ? { wake: spec.wake } : {}), ...(spec.latencyBoundMs ? { latencyBoundMs: spec.latencyBoundMs } : {}) };
      const openReader = (o: BpfObject, paused: boolean): void => {
        reader = nativeCall(what, () =>
          perf
            ? o.openPerf(spec.perfMap ?? TransportMap.perf, ctx.ring, ctx.sourceId, ctx.onData, { ...spec.perfOptions, paused, ...wake })
            : o.openRing(spec.map, ctx.ring, ctx.sourceId, ctx.onData, { paused, ...wake }),
        );
      };
      try {
        const o = (object = nativeCall(what, () => new addon.BpfObject(bpfObjectPath(spec.object))));
        for (const [name, bytes] of Object.entries(spec.globals ?? {})) nativeCall(what, () => o.setGlobal(name, bytes));
        if (spec.transport) {
          nativeCall(what, () => {
            // The unused map is shrunk to its minimum (a ring buffer: one page; perf: one entry).
            o.setGlobal('kw_use_perf', u32Bytes(perf ? 1 : 0));
            if (perf) o.setMaxEntries(TransportMap.ringbuf, 4096);
            else o.setMaxEntries(TransportMap.perf, 1);
          });
        }
        if (spec.configure) nativeCall(what, () => spec.configure!(o));
        nativeCall(what, () => o.load());
        if (spec.attach) nativeCall(what, () => spec.attach!(o));
        else if (nativeCall(what, () => o.programSections()).some(needsTracefs)) withTracefs(what, () => nativeCall(what, () => o.attach()));
        else nativeCall(what, () => o.attach());
        if (spec.prepare) {
          openReader(o, true);
          Promise.resolve()
            .then(() => spec.prepare!(o))
            .then(
              () => {
                if (object !== o) return; // closed meanwhile
                nativeCall(what, () => reader!.start());
                begin(o);
              },
            )
            .catch((error: unknown) => {
              if (object !== o) return;
              close();
              ctx.error(error);
            });
        } else {
          openReader(o, false);
          begin(o);
        }
      } catch (error) {
        close();
        throw error;
      }
      return { counters, close, flush: () => void reader?.flush() };
    },
  };
}
