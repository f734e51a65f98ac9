// record(): raw frames from live sources into a capture, as they arrive. Returns a cold Observable of
// progress: subscribing writes a header and starts the sources; each chunk is written as it comes;
// when the sources complete or the subscriber unsubscribes, a trailer with the totals is written and
// the sink closed.
import { isObservable, merge, Observable, map, type Subscription } from 'rxjs';
import '../generated/kinds.js'; // the built-in kinds register their captures
import { captureSource, captureSourceById, captureSourceNames, type RawOpenOptions } from './registry.js';
import type { CaptureChunk, CaptureSourceInfo } from './format.js';
import { fileSink, hostHeader, writeEntry, type CaptureSink } from './writer.js';
import { KwireError } from '../errors.js';
import { checkBoolean, checkFunction, checkNumber, checkOptions, checkStrings, invalidArgument } from '../validate.js';
import { RawFrames } from '../pipeline/raw-frames.js';
import type { SourceStats } from '../pipeline/stats.js';

/** How far a recording is: chunks, records and capture bytes written, and the sources' losses. */
export interface RecordProgress {
  chunks: number;
  records: number;
  /** Capture bytes written. */
  bytes: number;
  lost: { kernel: number; ring: number };
}

/** An Observable of raw-frame chunks, with the stats() of a KernelSource when it is one. */
export type RawFrameSource = Observable<RawFrames> & {
  /** The source's counters (what a KernelSource has), for the losses a capture records. */
  stats?: () => SourceStats;
};

/** A capture's sink, or a file path ('-' for stdout); `append` with a path. */
export interface RecordOptions {
  /** Append a new session to an existing file. Default: false (replace). */
  append: boolean;
  /** Chunks of one source arriving within this many milliseconds are written as one (fewer, larger
   *  chunks for sparse sources such as exec); 0 writes each as it comes. Default: 100. */
  flushMs: number;
  /** Told the final totals once the trailer is written (also after an unsubscribe). */
  onClose: (totals: RecordProgress) => void;
}

/** A pending chunk grows to this many bytes at most before it is written. */
const MAX_CHUNK_BYTES = 1 << 20;

/**
 * Records raw frames into `sink` (a CaptureSink, or a file path, '-' for stdout). `frames` is one
 * Observable of chunks (their frames name the source) or a map of source name → Observable, e.g.
 * `{ exec: execRaw() }`; a KernelSource's stats() supply the loss counts. A cold Observable of progress:
 * subscribing writes the header and starts the sources; completing or unsubscribing writes the trailer.
 *
 * @example
 * record(liveRawSources(['exec', 'exit']), 'host.kwcap').subscribe((p) => console.log(p.records));
 * @throws KwireError EINVAL_ARGUMENT for bad frames, sink or options, or an unknown source name; on
 *   subscribe, the sources' and the sink's errors arrive as the Observable's error.
 */
export function record(
  frames: RawFrameSource | Readonly<Record<string, RawFrameSource>>,
  sink: CaptureSink | string,
  options: Readonly<Partial<RecordOptions>> = {},
): Observable<RecordProgress> {
  const fn = 'record()';
  if (!isObservable(frames) && (typeof frames !== 'object' || frames === null || Array.isArray(frames) || !Object.values(frames).every(isObservable))) {
    invalidArgument(fn, 'frames must be an Observable of raw frames or a map of source name → Observable (e.g. liveRawSources([\'exec\']))');
  }
  if (!(typeof sink === 'string' && sink !== '') && !(typeof sink === 'object' && sink !== null && typeof sink.write === 'function' && typeof sink.close === 'function')) {
    invalidArgument(fn, "sink must be a file path ('-' for stdout) or a CaptureSink { write, close }");
  }
  checkOptions(fn, options);
  checkBoolean(fn, 'append', options.append);
  checkNumber(fn, 'flushMs', options.flushMs, 'a non-negative number of milliseconds', (n) => n >= 0);
  checkFunction(fn, 'onClose', options.onClose);
  const inputs: [string | undefined, RawFrameSource][] = isObservable(frames) ? [[undefined, frames]] : Object.entries(frames);
  const infos: CaptureSourceInfo[] = inputs.flatMap(([name]) => {
    if (name === undefined) return [];
    const s = captureSource(name);
    if (!s) throw new KwireError('EINVAL_ARGUMENT', `record(): no capture source named '${name}' (known: ${captureSourceNames().join(', ')})`);
    return [{ name: s.name, id: s.id, layout: s.layout }];
  });
  const flushMs = options.flushMs ?? 100;
  return new Observable<RecordProgress>((subscriber) => {
    // The sink is opened once the sources have started (or at their first chunk, for sources that emit
    // as they are subscribed): a source that cannot start (a missing cgroup…) leaves no file behind.
    let out: CaptureSink | undefined;
    const ensureOut = (): CaptureSink => {
      if (!out) {
        out = typeof sink === 'string' ? fileSink(sink, options) : sink;
        progress.bytes += writeEntry(out, hostHeader(infos));
      }
      return out;
    };
    const progress: RecordProgress = { chunks: 0, records: 0, bytes: 0, lost: { kernel: 0, ring: 0 } };
    let frameBytes = 0;
    const seenLost = inputs.map(() => ({ kernel: 0, ring: 0 }));
    /** Losses of input i since last asked. */
    const lostSince = (i: number) => {
      const s = inputs[i]![1].stats?.();
      if (!s) return { kernel: 0, ring: 0 };
      const seen = seenLost[i]!;
      const delta = { kernel: s.lost.kernel - seen.kernel, ring: s.lost.ring - seen.ring };
      seenLost[i] = { ...s.lost };
      progress.lost.kernel += delta.kernel;
      progress.lost.ring += delta.ring;
      return delta;
    };
    let open = true;
    /** Writes the trailer; `create`: even if the sources never started (an empty capture). */
    const finish = (create: boolean) => {
      if (!open) return;
      open = false;
      if (!out && !create) return;
      const o = ensureOut();
      inputs.forEach((_, i) => lostSince(i));
      const trailer = { t: 'trailer', chunks: progress.chunks, records: progress.records, bytes: frameBytes, lost: progress.lost, ended: Date.now() } as const;
      progress.bytes += writeEntry(o, trailer);
      o.close();
      options.onClose?.({ ...progress, lost: { ...progress.lost } });
    };
    // Per input: chunks waiting to be written as one.
    const pending = inputs.map(() => [] as RawFrames[]);
    const pendingBytes = inputs.map(() => 0);
    let timer: NodeJS.Timeout | undefined;
    const flush = (i: number) => {
      const parts = pending[i]!;
      if (parts.length === 0) return;
      const o = ensureOut();
      pending[i] = [];
      pendingBytes[i] = 0;
      const chunk = parts.length === 1 ? parts[0]! : joinChunks(parts);
      progress.bytes += writeEntry(o, chunkEntry(chunk, lostSince(i)));
      progress.chunks++;
      progress.records += chunk.length;
      frameBytes += chunk.bytes.length;
      subscriber.next({ ...progress, lost: { ...progress.lost } });
    };
    let subscription: Subscription | undefined;
    /** A sink that cannot be written (a full disk, a closed pipe) ends the recording with its error. */
    const fail = (error: unknown) => {
      clearTimeout(timer);
      open = false;
      subscription?.unsubscribe();
      try {
        out?.close();
      } catch {
        // the write error is the one to report
      }
      subscriber.error(error);
    };
    const guarded = (run: () => void) => {
      try {
        run();
      } catch (error) {
        fail(error);
      }
    };
    const flushAll = () => {
      clearTimeout(timer);
      timer = undefined;
      guarded(() => inputs.forEach((_, i) => flush(i)));
    };
    const all = merge(...inputs.map(([, f], i) => f.pipe(map((chunk) => [i, chunk] as const))));
    subscription = all.subscribe({
      next: ([i, chunk]) => {
        if (chunk.length === 0) return;
        // A pending chunk of another source id (one Observable of several) is written first.
        if (pending[i]!.length > 0 && (pending[i]![0]!.source !== chunk.source || pendingBytes[i]! + chunk.bytes.length > MAX_CHUNK_BYTES)) guarded(() => flush(i));
        pending[i]!.push(chunk);
        pendingBytes[i]! += chunk.bytes.length;
        if (flushMs <= 0) guarded(() => flush(i));
        else timer ??= setTimeout(flushAll, flushMs);
      },
      error: (error: unknown) => {
        // The sources are already torn down: their last stats are final.
        flushAll();
        guarded(() => finish(false));
        subscriber.error(error);
      },
      complete: () => {
        flushAll();
        guarded(() => finish(true));
        subscriber.complete();
      },
    });
    if (open) guarded(ensureOut); // the sources started: the capture exists from now on
    return () => {
      subscription?.unsubscribe(); // detaches the sources first, so their final loss counts are known
      if (open) flushAll();
      guarded(() => finish(true));
    };
  });
}

/**
 * The capture sources `names` (`exec`, `exit`, `flow`, …) opened live as raw frames, for {@link record}.
 *
 * @example
 * const frames = liveRawSources(['exec', 'flow'], { cgroup: '/sys/fs/cgroup/app' });
 * @throws KwireError EINVAL_ARGUMENT for bad names or options, or an unknown source name (and what the
 *   source's own options check throws).
 */
export function liveRawSources(names: readonly string[], options: Readonly<RawOpenOptions> = {}): Record<string, RawFrameSource> {
  checkStrings('liveRawSources()', 'names', names ?? null);
  checkOptions('liveRawSources()', options);
  const out: Record<string, RawFrameSource> = {};
  for (const name of names) {
    const s = captureSource(name);
    if (!s) throw new KwireError('EINVAL_ARGUMENT', `liveRawSources(): no capture source named '${name}' (known: ${captureSourceNames().join(', ')})`);
    out[name] = s.openRaw(options);
  }
  return out;
}

function chunkEntry(chunk: RawFrames, lost: { kernel: number; ring: number }): CaptureChunk {
  const id = chunk.source;
  const s = captureSourceById(id);
  let first = 0n;
  let last = 0n;
  if (s) {
    first = timestamp(chunk.get(0).payload, s.tsOffset);
    last = timestamp(chunk.get(chunk.length - 1).payload, s.tsOffset);
  }
  return { t: 'chunk', source: s?.name ?? `source-${id}`, id, layout: s?.layout ?? 0, frames: chunk.length, first, last, lost, data: chunk.bytes };
}

function timestamp(payload: Uint8Array, offset: number): bigint {
  if (payload.length < offset + 8) return 0n;
  return new DataView(payload.buffer, payload.byteOffset + offset, 8).getBigUint64(0, true);
}

function joinChunks(parts: readonly RawFrames[]): RawFrames {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p.bytes, at);
    at += p.bytes.length;
  }
  return new RawFrames(parts.reduce((n, p) => n + p.length, 0), bytes);
}
