// record(): raw frames from live sources into a capture, as they arrive. Returns a cold Observable of
// progress: subscribing writes a header and starts the sources; each chunk is written as it comes;
// when the sources complete or the subscriber unsubscribes, a trailer with the totals is written and
// the sink closed.
import { isObservable, merge, Observable, map } from 'rxjs';
import './capture-sources.js';
import { captureSource, captureSourceById } from './capture-registry.js';
import type { CaptureChunk, CaptureSourceInfo } from './capture-format.js';
import { fileSink, hostHeader, writeEntry, type CaptureSink } from './capture-writer.js';
import { KwireError } from './errors.js';
import type { RawFrames } from './raw-frames.js';
import type { SourceStats } from './stats.js';

export interface RecordProgress {
  chunks: number;
  records: number;
  /** Capture bytes written. */
  bytes: number;
  lost: { kernel: number; ring: number };
}

type Frames = Observable<RawFrames> & { stats?: () => SourceStats };

/** A capture's sink, or a file path ('-' for stdout); `append` with a path. */
export interface RecordOptions {
  /** Append a new session to an existing file. Default: false (replace). */
  append: boolean;
}

/**
 * Records raw frames into `sink`. `frames` is one Observable of chunks (their frames name the source)
 * or a map of source name → Observable, e.g. `{ exec: execRaw() }`; a KernelSource's stats() supply
 * the loss counts.
 */
export function record(
  frames: Frames | Readonly<Record<string, Frames>>,
  sink: CaptureSink | string,
  options: Readonly<Partial<RecordOptions>> = {},
): Observable<RecordProgress> {
  const inputs: [string | undefined, Frames][] = isObservable(frames) ? [[undefined, frames]] : Object.entries(frames);
  const infos: CaptureSourceInfo[] = inputs.flatMap(([name]) => {
    if (name === undefined) return [];
    const s = captureSource(name);
    if (!s) throw new KwireError('EINVAL_ARGUMENT', `no capture source named '${name}'`);
    return [{ name: s.name, id: s.id, layout: s.layout }];
  });
  return new Observable<RecordProgress>((subscriber) => {
    const out = typeof sink === 'string' ? fileSink(sink, options) : sink;
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
    const finish = () => {
      if (!open) return;
      open = false;
      inputs.forEach((_, i) => lostSince(i));
      const trailer = { t: 'trailer', chunks: progress.chunks, records: progress.records, bytes: frameBytes, lost: progress.lost, ended: Date.now() } as const;
      progress.bytes += writeEntry(out, trailer);
      out.close();
    };
    progress.bytes += writeEntry(out, hostHeader(infos));
    const all = merge(...inputs.map(([, f], i) => f.pipe(map((chunk) => [i, chunk] as const))));
    const subscription = all.subscribe({
      next: ([i, chunk]) => {
        if (chunk.length === 0) return;
        const entry = chunkEntry(chunk, lostSince(i));
        progress.bytes += writeEntry(out, entry);
        progress.chunks++;
        progress.records += chunk.length;
        frameBytes += chunk.bytes.length;
        subscriber.next({ ...progress, lost: { ...progress.lost } });
      },
      error: (error: unknown) => {
        // The sources are already torn down: their last stats are final.
        finish();
        subscriber.error(error);
      },
      complete: () => {
        finish();
        subscriber.complete();
      },
    });
    return () => {
      subscription.unsubscribe(); // detaches the sources first, so their final loss counts are known
      finish();
    };
  });
}

/** The capture sources `names` opened live as raw frames, for record(). */
export function liveRawSources(names: readonly string[], options: Readonly<{ pidns?: number }> = {}): Record<string, Frames> {
  const out: Record<string, Frames> = {};
  for (const name of names) {
    const s = captureSource(name);
    if (!s) throw new KwireError('EINVAL_ARGUMENT', `no capture source named '${name}'`);
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
