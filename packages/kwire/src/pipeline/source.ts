// The one lifetime helper every BPF source is built on: subscribing loads and attaches the BPF object
// and starts the addon's poll thread; each wake-up drains the shared ring through the WASM decoder
// into batches; unsubscribing (or an error) closes the reader and the object. Subscribers share one
// attachment, ref-counted.
import { Observable, share } from 'rxjs';
import { bpfObjectPath } from '../platform/artifacts.js';
import { requireTracingCapabilities } from '../platform/capabilities.js';
import { instantiateDecoders } from './decoders.js';
import { DecodeError } from '../errors.js';
import type { PerfOptions, PerfReader } from '@kwire/native';
import { loadAddon, nativeCall, type BpfObject, type RingReader } from '../platform/native.js';
import type { RecordDecoder } from './record-decoder.js';
import { allocateSharedRing, RingLayout } from './shared-ring.js';
import { SourceId, type SourceName } from '../sources.js';
import { emptyStats, type SourceStats } from './stats.js';
import { Status, STATUS_COUNT, statusNames } from './status.js';
import { TransportMap, type Transport } from './transport.js';

export interface KernelSourceSpec<B> {
  /** BPF object: a name in bpf/.output (without .bpf.o), or a path to a user's own object. */
  object: string;
  /** Ring buffer map name in that object. */
  map: string;
  /** Global variables set before load (name → bytes). */
  globals?: Record<string, Uint8Array>;
  /** Global holding the kernel side's drop counter (u64), if any. */
  droppedGlobal?: string;
  decoder: RecordDecoder<B>;
  /** Shared ring data bytes (power of two). */
  ringCapacity: number;
  /** Records per batch at most. */
  batchSize: number;
  /** Before load: anything else to configure on the object (map sizes, …). */
  configure?: (object: BpfObject) => void;
  /** Attaches the loaded programs. Default: every program libbpf can attach by its SEC name. */
  attach?: (object: BpfObject) => void;
  /** Transport of a built-in object (transport.ts): sets kw_use_perf and shrinks the unused map.
   *  Default: 'ringbuf' through `map`, with nothing set. */
  transport?: Transport;
  /** Perf transport: the perf event array's name (default 'events_perf') and its rings' settings. */
  perfMap?: string;
  perfOptions?: PerfOptions;
  /** After load and attach, with the reader open but paused: the kernel rings exist (perf rings too)
   *  and fill, nothing reads them yet (e.g. to measure the drain of a full ring). */
  prepare?: (object: BpfObject) => Promise<void> | void;
  /** After the reader opened: starts whatever the source drives itself; returns its teardown. */
  started?: (context: StartedContext) => (() => void) | void;
}

export interface StartedContext {
  object: BpfObject;
  stats(): SourceStats;
  complete(): void;
  error(error: unknown): void;
}

/** A cold, shared Observable of batches, with the stats of its current (or last) attachment. */
export interface KernelSource<B> extends Observable<B> {
  stats(): SourceStats;
}

export function kernelSource<B>(spec: KernelSourceSpec<B>): KernelSource<B> {
  let current: (() => SourceStats) | undefined;
  let last = emptyStats();
  const cold = new Observable<B>((subscriber) => {
    const what = `tracing ${spec.decoder.source} events`;
    requireTracingCapabilities(what);
    const addon = loadAddon();
    const d = instantiateDecoders(spec.decoder.module?.());
    spec.decoder.init(d, spec.batchSize);
    const ring = allocateSharedRing(d, spec.ringCapacity);
    let object: BpfObject | undefined;
    let reader: RingReader | PerfReader | undefined;
    let stopStarted: (() => void) | void;
    const perf = spec.transport === 'perf';
    let received = 0;
    let batches = 0;
    let kernelDropped = 0;

    const readStats = (): SourceStats => {
      if (object && spec.droppedGlobal && !perf) {
        const bytes = nativeCall(what, () => object!.readGlobal(spec.droppedGlobal!));
        kernelDropped = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
      }
      const decodeErrors: SourceStats['decodeErrors'] = {};
      for (let c = 1; c < STATUS_COUNT; c++) {
        const n = spec.decoder.errors(d, c);
        if (n > 0) decodeErrors[statusNames[c]!] = n;
      }
      // Perf: the kernel's own PERF_RECORD_LOST counts (the BPF-side counter sees the same drops).
      const lostByCpu = perf && reader ? (reader as PerfReader).stats().lostByCpu : undefined;
      return {
        received,
        batches,
        lost: { kernel: perf ? ring.counter(RingLayout.kernelLost) : kernelDropped, ring: ring.counter(RingLayout.oversize) },
        transport: spec.transport ?? 'ringbuf',
        ...(lostByCpu ? { lostByCpu } : {}),
        decodeErrors,
        queueLength: ring.pending(),
        ringFullWaits: ring.counter(RingLayout.fullWaits),
      };
    };

    const drain = (): void => {
      while (!subscriber.closed) {
        d.exports.cursorRing(ring.base);
        const n = spec.decoder.decode(d);
        const status = spec.decoder.status(d);
        if (status === Status.ringCorrupt) {
          subscriber.error(new DecodeError(spec.decoder.source, status, 'the shared ring holds an impossible frame header'));
          return;
        }
        if (n === 0) return;
        received += n;
        batches++;
        subscriber.next(spec.decoder.batch(d, n));
      }
    };

    const close = (): void => {
      stopStarted?.();
      stopStarted = undefined;
      if (object) last = readStats();
      reader?.close();
      object?.close();
      reader = object = undefined;
      current = undefined;
    };

    const open = (o: BpfObject, paused: boolean): void => {
      const source = spec.decoder.sourceId ?? SourceId[spec.decoder.source as SourceName];
      reader = nativeCall(what, () =>
        perf
          ? o.openPerf(spec.perfMap ?? TransportMap.perf, ring.view(), source, drain, { ...spec.perfOptions, paused })
          : o.openRing(spec.map, ring.view(), source, drain, { paused }),
      );
      current = readStats;
    };

    const begin = (o: BpfObject): void => {
      stopStarted = spec.started?.({
        object: o,
        stats: readStats,
        complete: () => {
          drain();
          subscriber.complete();
        },
        error: (e) => subscriber.error(e),
      });
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
      nativeCall(what, () => (spec.attach ? spec.attach(o) : o.attach()));
      if (spec.prepare) {
        open(o, true);
        Promise.resolve()
          .then(() => spec.prepare!(o))
          .then(
            () => {
              if (subscriber.closed || object !== o) return;
              try {
                nativeCall(what, () => reader!.start());
                begin(o);
              } catch (error) {
                close();
                subscriber.error(error);
              }
            },
            (error) => {
              close();
              subscriber.error(error);
            },
          );
      } else {
        open(o, false);
        begin(o);
      }
    } catch (error) {
      close();
      subscriber.error(error);
      return;
    }
    return close;
  });
  const shared = cold.pipe(share()) as KernelSource<B>;
  shared.stats = () => (current ? current() : last);
  return shared;
}

/** A u32 little-endian global value. */
export function u32Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}
