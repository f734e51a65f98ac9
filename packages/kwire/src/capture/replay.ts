// replay(): a capture decoded with the same WASM decoders as the live sources, as the same batches
// and events. Cold: each subscription reads the capture from its start. Damage never throws: it is
// reported (onIssue, stats().issues) and skipped; only a file that is not a capture, or one from a
// newer format version, ends the stream with an error.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Observable, filter, map } from 'rxjs';
import type { Batch } from '../pipeline/batch.js';
import '../generated/kinds.js'; // the built-in kinds register their captures
import type { CaptureChunk, CaptureHeader, CaptureTrailer } from './format.js';
import { CaptureReader, type CaptureIssue } from './reader.js';
import { captureSource, captureSourceById, captureSourceNames } from './registry.js';
import { DecodeError } from '../errors.js';
import { FrameDecoder } from '../pipeline/frames.js';
import { toEvents } from '../pipeline/operators.js';
import { timeOrder } from '../pipeline/time-order.js';
import type { StatusName } from '../pipeline/status.js';
import { checkFunction, checkInputFile, checkInteger, checkNumber, checkOneOf, checkOptions, checkStrings, invalidArgument } from '../validate.js';

export interface ReplayOptions {
  /** 1 replays at the pace the records were made (from their kernel timestamps), 2 twice as fast…
   *  Default: Infinity, as fast as possible. */
  speed: number;
  /** Only these sources. Default: all. */
  sources: readonly string[];
  /** Records per batch at most. Default: 4096. */
  batchSize: number;
  /** Told of each damaged region, truncation or undecodable chunk, as it is met. */
  onIssue: (issue: CaptureIssue) => void;
  /** Told of bytes read so far and the file size, after each read. */
  onProgress: (bytesRead: number, totalBytes: number | undefined) => void;
  /** events() of every source: 'time', merged in time order (timeOrder, within `reorderWindow`), or
   *  'capture', in the order of the capture's chunks. Default: 'time'. */
  order: 'time' | 'capture';
  /** How far (boot-time ns) a record may be behind a later one of another source and still be put in
   *  order. Default: 1 s (a recorder writes each source's chunk every 100 ms). */
  reorderWindow: bigint;
}

/** A batch from a capture, with where it came from. */
export interface ReplayBatch<B = Batch<unknown>> {
  source: string;
  batch: B;
  /** The session header in force (undefined if it was damaged). */
  header: CaptureHeader | undefined;
  /** File offset of the chunk. */
  offset: number;
}

export interface ReplayStats {
  headers: CaptureHeader[];
  trailers: CaptureTrailer[];
  chunks: number;
  records: number;
  bytesRead: number;
  /** Losses recorded in the chunks (what the live sources lost while recording). */
  lost: { kernel: number; ring: number };
  decodeErrors: Partial<Record<StatusName, number>>;
  issues: CaptureIssue[];
  /** events() in time order: records that came after a later one had been emitted (not reordered). */
  late: number;
  /** Offset where reading stopped early (a truncated capture), if it did. */
  truncatedAt?: number;
}

export interface Replay extends Observable<ReplayBatch> {
  /** Batches of one source: the same batch class its live source emits. */
  batches<B = Batch<unknown>>(source: string): Observable<B>;
  /** Events of one source, or of all in capture order. */
  events<E = unknown>(source?: string): Observable<E>;
  /** Counters of the current (or last) subscription. */
  stats(): ReplayStats;
}

/** What replay() reads: a capture file path, its bytes, or a stream of its bytes (process.stdin). */
export type ReplayInput = string | Uint8Array | AsyncIterable<Uint8Array>;

/**
 * A capture decoded with the same WASM decoders as the live sources, as the same batches and events.
 * Cold: each subscription reads the capture from its start; damage is reported (`onIssue`,
 * `stats().issues`) and skipped.
 *
 * @example
 * replay('host.kwcap').events<ExecEvent>('exec').subscribe((e) => console.log(e.pid, e.filename));
 * @throws KwireError EINVAL_ARGUMENT for a bad input or option, or an unknown source name; on subscribe,
 *   KwireError ECAPTURE_FORMAT (not a capture) or ECAPTURE_VERSION (a newer format) ends the stream.
 */
export function replay(input: ReplayInput, options: Readonly<Partial<ReplayOptions>> = {}): Replay {
  const fn = 'replay()';
  const isIterable = typeof input === 'object' && input !== null && Symbol.asyncIterator in input;
  if (!(typeof input === 'string' && input !== '') && !(input instanceof Uint8Array) && !isIterable) {
    invalidArgument(fn, `input must be a capture file path, a Uint8Array or an async iterable of Uint8Array (e.g. process.stdin), got ${input === null ? 'null' : typeof input}`);
  }
  checkOptions(fn, options, 'options', ['speed', 'sources', 'batchSize', 'onIssue', 'onProgress', 'order', 'reorderWindow']);
  const { speed = Infinity, batchSize = 4096, onIssue, onProgress, order = 'time', reorderWindow = 1_000_000_000n } = options;
  checkOneOf(fn, 'order', order, ['time', 'capture']);
  if (typeof reorderWindow !== 'bigint' || reorderWindow < 0n) invalidArgument(fn, `reorderWindow must be a non-negative bigint of nanoseconds, got ${String(reorderWindow)}`);
  checkNumber(fn, 'speed', speed, 'a positive number (1: real time, Infinity: as fast as possible)', (n) => n > 0);
  checkInteger(fn, 'batchSize', batchSize, 1, 1 << 20, '2^20');
  checkFunction(fn, 'onIssue', onIssue);
  checkFunction(fn, 'onProgress', onProgress);
  checkStrings(fn, 'sources', options.sources);
  const unknown = (options.sources ?? []).filter((name) => !captureSource(name));
  if (unknown.length > 0) invalidArgument(fn, `sources: unknown source ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${captureSourceNames().join(', ')})`);
  const only = options.sources ? new Set(options.sources) : undefined;
  let stats = emptyReplayStats();
  const name = typeof input === 'string' ? input : 'the capture';

  const all = new Observable<ReplayBatch>((subscriber) => {
    const s = (stats = emptyReplayStats());
    const decoders = new Map<string, FrameDecoder<Batch<unknown>>>();
    const unusable = new Set<string>();
    let header: CaptureHeader | undefined;
    let closed = false;
    let clock: { kernel: bigint; wall: number } | undefined;
    const issue = (i: CaptureIssue) => {
      s.issues.push(i);
      if (i.kind === 'truncated') s.truncatedAt = i.offset;
      onIssue?.(i);
    };
    const reader = new CaptureReader(issue, name);

    const decoderFor = (chunk: CaptureChunk, offset: number): FrameDecoder<Batch<unknown>> | undefined => {
      const key = `${chunk.id}/${chunk.layout}`;
      const known = decoders.get(key);
      if (known) return known;
      // By frame source id: a kind renamed since the capture was made (flows → flow) still replays.
      const source = captureSourceById(chunk.id);
      let why: string | undefined;
      if (!source) why = `source '${chunk.source}' (id ${chunk.id}) is not known to this kwire`;
      else if (source.layout !== chunk.layout) why = `${chunk.source} records in layout version ${chunk.layout}; this kwire decodes version ${source.layout}`;
      if (why) {
        if (!unusable.has(key)) issue({ kind: 'skipped', offset, reason: `chunks at offset ${offset} and later: ${why}` });
        unusable.add(key);
        return undefined;
      }
      const d = new FrameDecoder(source!.decoder, batchSize);
      decoders.set(key, d);
      return d;
    };

    const wait = async (chunk: CaptureChunk): Promise<void> => {
      if (!Number.isFinite(speed) || chunk.first === 0n) return;
      if (!clock) clock = { kernel: chunk.first, wall: Date.now() };
      const due = clock.wall + Number(chunk.first - clock.kernel) / 1e6 / speed;
      const ms = due - Date.now();
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    };

    const onEntry = async (offset: number, entry: CaptureHeader | CaptureChunk | CaptureTrailer) => {
      if (entry.t === 'header') {
        header = entry;
        clock = undefined; // a new session: its times start afresh
        s.headers.push(entry);
        return;
      }
      if (entry.t === 'trailer') {
        s.trailers.push(entry);
        return;
      }
      const kind = captureSourceById(entry.id)?.name ?? entry.source;
      if (only && !only.has(kind)) return;
      s.chunks++;
      s.lost.kernel += entry.lost?.kernel ?? 0;
      s.lost.ring += entry.lost?.ring ?? 0;
      const d = decoderFor(entry, offset);
      if (!d) return;
      await wait(entry);
      let result;
      try {
        result = d.decode(entry.data);
      } catch (error) {
        const at = error instanceof DecodeError ? ` (frame offset ${error.offset})` : '';
        issue({ kind: 'skipped', offset, reason: `chunk at offset ${offset}: ${(error as Error).message}${at}` });
        return;
      }
      for (const [k, v] of Object.entries(result.skipped)) s.decodeErrors[k as StatusName] = (s.decodeErrors[k as StatusName] ?? 0) + v!;
      for (const batch of result.batches) {
        if (closed) return;
        s.records += batch.length;
        subscriber.next({ source: kind, batch, header, offset });
      }
    };

    const run = async () => {
      if (typeof input === 'string') checkInputFile(fn, 'capture', input);
      const total = typeof input === 'string' ? (await stat(input)).size : input instanceof Uint8Array ? input.length : undefined;
      const pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
        typeof input === 'string' ? createReadStream(input, { highWaterMark: 1 << 20 }) : input instanceof Uint8Array ? [input] : input;
      try {
        for await (const piece of pieces) {
          if (closed) return;
          s.bytesRead += piece.length;
          for (const { offset, entry } of reader.push(piece)) {
            await onEntry(offset, entry);
            if (closed) return;
          }
          onProgress?.(s.bytesRead, total);
        }
        for (const { offset, entry } of reader.end()) await onEntry(offset, entry);
      } finally {
        if (typeof input === 'string') (pieces as ReturnType<typeof createReadStream>).destroy();
      }
      subscriber.complete();
    };
    run().catch((error: unknown) => subscriber.error(error));
    return () => {
      closed = true;
    };
  });

  const out = all as Replay;
  const known = (source: string) => {
    if (!captureSource(source) || (only && !only.has(source))) invalidArgument(fn, `no source '${source}' in this replay (its sources: ${only ? [...only].join(', ') : captureSourceNames().join(', ')})`);
  };
  out.batches = <B>(source: string) => {
    known(source);
    return all.pipe(
      filter((b) => b.source === source),
      map((b) => b.batch as B),
    );
  };
  out.events = <E>(source?: string) => {
    if (source !== undefined) return out.batches<Batch<unknown>>(source).pipe(toEvents<unknown>()) as Observable<E>;
    if (order === 'capture') return all.pipe(map((b) => b.batch), toEvents<unknown>()) as Observable<E>;
    // The merge orders by session (an appended session, maybe of another boot, comes after the one
    // before it), then by the record's time: its kind's declared time field (its type names its kind).
    const session = new WeakMap<object, bigint>();
    const timeOf = (e: unknown): bigint | undefined => {
      const field = captureSource((e as { type?: string }).type ?? '')?.timeField;
      const t = field === undefined ? undefined : (e as Record<string, unknown>)[field];
      return typeof t === 'bigint' ? ((session.get(e as object) ?? 0n) << 64n) + t : undefined;
    };
    const inCapture = new Observable<unknown>((subscriber) => {
      let header: CaptureHeader | undefined;
      let n = 0n;
      return all.subscribe({
        next: ({ batch, header: h }) => {
          if (h !== header) [header, n] = [h, n + 1n];
          for (let i = 0; i < batch.length && !subscriber.closed; i++) {
            const e = batch.get(i);
            if (typeof e === 'object' && e !== null) session.set(e, n);
            subscriber.next(e);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
    return inCapture.pipe(timeOrder({ time: timeOf, window: reorderWindow, onLate: () => stats.late++ })) as Observable<E>;
  };
  out.stats = () => stats;
  return out;
}

function emptyReplayStats(): ReplayStats {
  return { headers: [], trailers: [], chunks: 0, records: 0, bytesRead: 0, lost: { kernel: 0, ring: 0 }, decodeErrors: {}, issues: [], late: 0 };
}
