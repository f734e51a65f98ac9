// etw.fromEtl(): the etw kind's events from an .etl trace file (a path, bytes or a stream), through the
// same pipeline as a live source: the WASM walker (etw-walker.ts) turns the file's buffers into ETW
// frames, frameWriter puts them in the source's shared ring, and the etw decoder (generated from
// kinds/etw.ts, with the in-pass filter of assembly/etw-hooks.ts) makes the batches.
import { closeSync, fstatSync, openSync, read } from 'node:fs';
import { KwireError } from '../errors.js';
import { etwDecoder, type EtwBatch } from '../generated/etw.js';
import type { DecoderInstance } from '../pipeline/decoders.js';
import type { OpenProducer, Producer, ProducerContext } from '../pipeline/producer.js';
import { rawDecoder, type RawFrames } from '../pipeline/raw-frames.js';
import type { RecordDecoder } from '../pipeline/record-decoder.js';
import { kernelSource, type KernelSource } from '../pipeline/source.js';
import { emptyStats, type SourceStats } from '../pipeline/stats.js';
import { frameWriter } from '../producers/frame-writer.js';
import { checkInteger, checkOptions, invalidArgument } from '../validate.js';
import { etwKind } from './etw.js';
import { ETW_CLASSES, ETW_PROVIDERS, ETW_SOURCE_ID, ETW_UNKNOWN_CLASS } from './etw-frame.js';
import { etwLive } from './etw-live.js';
import { EtlWalker, type EtlHeader, type EtlWalkCounts } from './etw-walker.js';

/** An .etl file: its path, its bytes, or a stream of them (a Node Readable, any async iterable of bytes). */
export type EtlInput = string | Uint8Array | AsyncIterable<Uint8Array>;

/** Which events reach the batches; the rest are dropped in the decode pass and counted (`filtered`). */
export interface EtwFilter {
  /** Event classes by name ('Process', 'Thread', 'Image', 'FileIo', 'TcpIp', 'UdpIp', or a manifest
   *  provider's name such as 'Microsoft-Windows-Kernel-Process') or eventClass number. Default: all. */
  classes?: readonly (string | number)[];
  /** Opcodes (kernel classes) or event ids (manifest providers). Default: all. */
  opcodes?: readonly number[];
  /** Process ids, matched against the event header's pid (events whose header has none, such as
   *  PERFINFO rundowns and TCP/UDP events, pass). Default: all. */
  pids?: readonly number[];
}

export interface EtlOptions {
  /** Events to keep, by class, opcode and pid (before any object is made). Default: all. */
  filter: EtwFilter;
  /** Shared ring bytes (power of two, >= 256 KiB: a frame can be 64 KiB). Default 4 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default 4096. */
  batchSize: number;
  /** Bytes read from the file per step. Default 1 MiB. */
  chunkSize: number;
  /** Called after each step with the bytes read so far and the file's size (undefined for a stream). */
  onProgress: (bytesRead: number, totalBytes: number | undefined) => void;
}

/** The counters of an .etl source: the pipeline's, the walk's, and what the filter dropped. */
export interface EtlStats extends SourceStats {
  /** Bytes of the file read so far, and its size (undefined for a stream). */
  bytesRead: number;
  totalBytes: number | undefined;
  /** The walker's counts: buffers, records, and everything it skipped. */
  walk: EtlWalkCounts;
  /** Records by header type ('0xc002' SYSTEM64, '0xc011' PERFINFO64, …). */
  headerTypes: Record<string, number>;
  /** SYSTEM/COMPACT/PERFINFO records by HookId ('0x0302', …). */
  hooks: Record<string, number>;
  /** Events no decoder knows, by 'Class/opcode' (or 'Provider#id'), available raw through fromEtlRaw()
   *  (the walker drops them before they become frames). */
  unknown: Record<string, number>;
  /** Known events the caller's filter dropped. */
  filtered: number;
}

/** The .etl source: batches, with the walk's counters and the logfile header. */
export interface EtlSource<B> extends KernelSource<B> {
  stats(): EtlStats;
  /** The logfile header (clock, OS, session), once the walk has read it. */
  header(): EtlHeader | undefined;
}

interface HookExports {
  etwKnow(key: number, versions: number): void;
  etwPidAt(key: number, at64: number, at32: number): void;
  etwFilterKeys(on: number): void;
  etwFilterAllow(key: number): void;
  etwFilterPid(pid: number): void;
  etwUnknown(key: number): number;
  etwUserFiltered(): number;
  etwKeyCount(): number;
}

/**
 * The filter key of (eventClass, opcode, eventId), as assembly/etw-hooks.ts computes it.
 *
 * @example
 * etwKey(0x03, 1, 0) // 0x0301: Process start
 */
export function etwKey(eventClass: number, opcode: number, eventId: number): number {
  if (eventClass < 0x100) return (eventClass << 8) | opcode;
  if (eventClass < 0x1ff && eventId < 0x100) return 0x10000 | ((eventClass & 0xff) << 8) | eventId;
  return 0x1ff00 | opcode;
}

const classNames = new Map<number, string>([...ETW_CLASSES, ...ETW_PROVIDERS].map((c) => [c.eventClass, c.name]));

/** 'Process/1', 'Microsoft-Windows-Kernel-Process#7', 'other/12': the label of a key. */
function keyLabel(k: number): string {
  if (k < 0x10000) return `${classNames.get(k >> 8) ?? `0x${(k >> 8).toString(16).padStart(2, '0')}`}/${k & 0xff}`;
  if ((k & 0x1ff00) === 0x1ff00) return `other/${k & 0xff}`;
  const cls = 0x100 | ((k >> 8) & 0xff);
  return `${classNames.get(cls) ?? `0x${cls.toString(16)}`}#${k & 0xff}`;
}

/** Known keys: their version masks, and where their pid is (the variant's processId field), from the layout. */
let knownCache: Map<number, { versions: number; pidAt: [number, number] }> | undefined;
function knownKeys(): Map<number, { versions: number; pidAt: [number, number] }> {
  if (knownCache) return knownCache;
  const out = new Map<number, { versions: number; pidAt: [number, number] }>();
  knownCache = out;
  const u = etwKind.layout.union!;
  for (const v of u.variants) {
    const f = v.fields.find((x) => x.name === 'processId');
    const pidAt: [number, number] = f ? [u.at + f.offset, u.at32! + f.offset32!] : [0xff, 0xff];
    for (const [cls, opcode, id, version] of v.tags as [number, number, number, number][]) {
      const k = etwKey(cls, opcode, id);
      const e = out.get(k) ?? { versions: 0, pidAt };
      e.versions = (e.versions | (version < 32 ? 2 ** version : 0)) >>> 0;
      out.set(k, e);
    }
  }
  return out;
}

function classNumber(c: string | number, fn: string): number {
  if (typeof c === 'number') return c;
  const found = [...ETW_CLASSES, ...ETW_PROVIDERS].find((x) => x.name.toLowerCase() === c.toLowerCase());
  if (!found) invalidArgument(fn, `filter.classes: unknown class ${JSON.stringify(c)}; known: ${[...classNames.values()].join(', ')}`);
  return found!.eventClass;
}

function checkFilter(fn: string, filter: EtwFilter | undefined): EtwFilter {
  if (filter === undefined) return {};
  if (typeof filter !== 'object' || filter === null) invalidArgument(fn, `filter must be an object { classes, opcodes, pids }, got ${filter === null ? 'null' : typeof filter}`);
  for (const [name, list] of Object.entries(filter)) {
    if (!['classes', 'opcodes', 'pids'].includes(name)) invalidArgument(fn, `filter.${name} is not an option; use classes, opcodes or pids`);
    if (!Array.isArray(list)) invalidArgument(fn, `filter.${name} must be an array, got ${typeof list}`);
  }
  for (const c of filter.classes ?? []) classNumber(c, fn);
  for (const o of filter.opcodes ?? []) checkInteger(fn, 'filter.opcodes[]', o, 0, 0xffff);
  for (const p of filter.pids ?? []) checkInteger(fn, 'filter.pids[]', p, 0, 0xffffffff);
  return filter;
}

/** Registers the known events and the caller's filter in a decoder instance's hooks. */
function configure(d: DecoderInstance, filter: EtwFilter, fn: string): void {
  const x = d.exports as unknown as HookExports;
  const known = knownKeys();
  for (const [k, { versions, pidAt }] of known) {
    x.etwKnow(k, versions);
    x.etwPidAt(k, ...pidAt);
  }
  const classes = filter.classes?.map((c) => classNumber(c, fn));
  if (classes || filter.opcodes) {
    x.etwFilterKeys(1);
    for (const k of known.keys()) {
      const cls = k < 0x10000 ? k >> 8 : 0x100 | ((k >> 8) & 0xff);
      if ((!classes || classes.includes(cls)) && (!filter.opcodes || filter.opcodes.includes(k & 0xff))) x.etwFilterAllow(k);
    }
  } else x.etwFilterKeys(0);
  for (const p of filter.pids ?? []) x.etwFilterPid(p);
}

type Chunks = { total: number | undefined; next(): Promise<Uint8Array | undefined>; close(): void };

function chunksOf(input: EtlInput, chunkSize: number, fn: string): Chunks {
  if (typeof input === 'string') {
    let fd: number;
    try {
      fd = openSync(input, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new KwireError('ENATIVE', `${fn}: cannot open ${input}: ${err.message}`, { cause: e, ...(err.errno !== undefined ? { errno: -err.errno } : {}), syscall: 'open' });
    }
    let open = true;
    const total = fstatSync(fd).size;
    return {
      total,
      next: () =>
        new Promise((resolve, reject) => {
          const buf = new Uint8Array(chunkSize);
          read(fd, buf, 0, chunkSize, null, (e, n) => (e ? reject(new KwireError('ENATIVE', `${fn}: reading ${input} failed: ${e.message}`, { cause: e, syscall: 'read' })) : resolve(n === 0 ? undefined : buf.subarray(0, n))));
        }),
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }
  if (input instanceof Uint8Array) {
    let at = 0;
    return {
      total: input.length,
      next: async () => {
        if (at >= input.length) return undefined;
        const c = input.subarray(at, at + chunkSize);
        at += c.length;
        return c;
      },
      close: () => {},
    };
  }
  if (input !== null && typeof input === 'object' && Symbol.asyncIterator in input) {
    const it = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    return {
      total: undefined,
      next: async () => {
        const r = await it.next();
        if (r.done) return undefined;
        if (!(r.value instanceof Uint8Array)) throw new KwireError('EINVAL_ARGUMENT', `${fn}: the stream must yield bytes (Uint8Array, Buffer), got ${typeof r.value}`);
        return r.value;
      },
      close: () => void it.return?.(),
    };
  }
  return invalidArgument(fn, `input must be a path, a Uint8Array or an async iterable of bytes (a Readable), got ${input === null ? 'null' : typeof input}`);
}

interface EtlRun {
  walker?: EtlWalker;
  bytesRead: number;
  total: number | undefined;
}

function etlProducer(input: EtlInput, options: { chunkSize: number; onProgress?: EtlOptions['onProgress']; dropUnknown: boolean }, run: EtlRun, fn: string): Producer {
  return {
    what: `reading ${typeof input === 'string' ? input : 'an .etl file'}`,
    open(ctx: ProducerContext): OpenProducer {
      const chunks = chunksOf(input, options.chunkSize, fn);
      const walker = new EtlWalker();
      // events no decoder knows are counted by the walker and never become frames (the raw path keeps them)
      if (options.dropUnknown) walker.dropUnknown(new Map([...knownKeys()].map(([k, v]) => [k, v.versions])));
      const writer = frameWriter(ctx.ring);
      run.walker = walker;
      run.bytesRead = 0;
      run.total = chunks.total;
      let closed = false;
      const flush = (): void => {
        const { bytes } = walker.frames();
        let at = 0;
        while (at < bytes.length && !closed) {
          const w = writer.write(bytes.subarray(at));
          at += w.bytes;
          ctx.onData(); // drains the ring into batches, synchronously
          if (w.bytes === 0) break; // nothing fitted in a drained ring: the subscriber has stopped consuming
        }
        walker.clearFrames();
      };
      const pump = async (): Promise<void> => {
        let rest: Uint8Array = new Uint8Array(0);
        for (;;) {
          const chunk = await chunks.next();
          if (closed) return;
          if (chunk === undefined) break;
          run.bytesRead += chunk.length;
          const buf = rest.length === 0 ? chunk : concat(rest, chunk);
          const used = walker.walk(buf, false, 0x7fffffff);
          rest = buf.slice(used);
          flush();
          options.onProgress?.(run.bytesRead, run.total);
          await new Promise((r) => setImmediate(r)); // let an unsubscribe (or anything else) in
          if (closed) return;
        }
        walker.walk(rest, true, 0x7fffffff);
        flush();
        const counts = walker.counts();
        if (counts.records === 0 && !walker.header()) {
          throw new KwireError('EDECODE', `${fn}: ${typeof input === 'string' ? input : 'the input'} is not an .etl file (no buffer with a record in ${run.bytesRead} bytes)`);
        }
        if (!closed) ctx.complete();
      };
      pump()
        .catch((e) => {
          if (!closed) ctx.error(e);
        })
        .finally(() => chunks.close());
      return {
        counters: () => ({}),
        close: () => {
          closed = true;
        },
      };
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function plan(input: EtlInput, options: Readonly<Partial<EtlOptions>>, fn: string, dropUnknown: boolean) {
  checkOptions(fn, options);
  if (typeof input !== 'string' && !(input instanceof Uint8Array) && !(input !== null && typeof input === 'object' && Symbol.asyncIterator in input)) {
    invalidArgument(fn, `input must be a path, a Uint8Array or an async iterable of bytes (a Readable), got ${input === null ? 'null' : typeof input}`);
  }
  const { ringCapacity = 4 << 20, batchSize = 4096, chunkSize = 1 << 20 } = options;
  if (!Number.isInteger(ringCapacity) || ringCapacity < 1 << 18 || ringCapacity > 1 << 30 || (ringCapacity & (ringCapacity - 1)) !== 0) {
    invalidArgument(fn, `ringCapacity must be a power of two between 256 KiB and 1 GiB, got ${ringCapacity}`);
  }
  checkInteger(fn, 'batchSize', batchSize, 1, 1 << 20, '2^20');
  checkInteger(fn, 'chunkSize', chunkSize, 4096, 1 << 30, '2^30');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') invalidArgument(fn, `onProgress must be a function, got ${typeof options.onProgress}`);
  const filter = checkFilter(fn, options.filter);
  const run: EtlRun = { bytesRead: 0, total: undefined };
  const producer = etlProducer(input, { chunkSize, dropUnknown, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }, run, fn);
  return { producer, ringCapacity, batchSize, filter, run };
}

function withStats<B>(inner: KernelSource<B>, run: EtlRun, hooks: () => HookExports | undefined): EtlSource<B> {
  const source = inner as EtlSource<B>;
  const innerStats = inner.stats.bind(inner);
  source.stats = () => {
    const s = innerStats() ?? emptyStats();
    const w = run.walker;
    const h = hooks();
    // unknown events: those the walker dropped, and any the decoder's filter found (frames from elsewhere)
    const counts = w?.unknown() ?? new Map<number, number>();
    if (h) for (let k = 0, n = h.etwKeyCount(); k < n; k++) {
      const c = h.etwUnknown(k);
      if (c > 0) counts.set(k, (counts.get(k) ?? 0) + c);
    }
    const unknown: Record<string, number> = {};
    for (const k of [...counts.keys()].sort((a, b) => a - b)) unknown[keyLabel(k)] = counts.get(k)!;
    return {
      ...s,
      bytesRead: run.bytesRead,
      totalBytes: run.total,
      walk: w ? w.counts() : EtlWalker.zeroCounts(),
      headerTypes: w?.headerTypes() ?? {},
      hooks: w?.hooks() ?? {},
      unknown,
      filtered: h?.etwUserFiltered() ?? 0,
    };
  };
  source.header = () => run.walker?.header();
  return source;
}

/**
 * The etw record decoder, with the known events and `filter` registered in each instance it is set up
 * in: what fromEtl() decodes with, and what a FrameDecoder needs for ETW frames from elsewhere (a live
 * session's, a test's). Unknown events are dropped and counted, never decode errors.
 *
 * @example
 * const { batches } = new FrameDecoder(etw.decoder()).decode(frames);
 * @throws KwireError EINVAL_ARGUMENT for a bad filter.
 */
export function etwRecordDecoder(filter: EtwFilter = {}, onInit?: (d: DecoderInstance) => void): RecordDecoder<EtwBatch> {
  const fn = 'etw.decoder()';
  const f = checkFilter(fn, filter);
  return {
    ...etwDecoder,
    init: (d, n) => {
      etwDecoder.init(d, n);
      configure(d, f, fn);
      onInit?.(d);
    },
  };
}

/**
 * The events of an .etl trace file as batches of the etw kind: processes, threads, images, file names
 * and TCP/UDP traffic, decoded in WebAssembly (the same decoder a live Windows session feeds). The file
 * may be a path, its bytes or a stream; compressed (relogged) files are decompressed as they are read.
 * Unknown events are counted in `stats().unknown`; a filter by class, opcode and pid drops events
 * before any object is made.
 *
 * @example
 * etw.fromEtl('trace.etl', { filter: { classes: ['Process'] } }).pipe(toEvents()).subscribe((e) => console.log(e.type, e.pid, e.imageName));
 * @throws KwireError EINVAL_ARGUMENT for a bad input or option; on subscribe, KwireError ENATIVE when the
 *   file cannot be read, EDECODE when it holds no .etl buffer, ENOT_BUILT when the WASM is missing.
 */
export function fromEtl(input: EtlInput, options: Readonly<Partial<EtlOptions>> = {}): EtlSource<EtwBatch> {
  const fn = 'etw.fromEtl()';
  const p = plan(input, options, fn, true);
  let instance: DecoderInstance | undefined;
  const decoder = etwRecordDecoder(p.filter, (d) => (instance = d));
  const inner = kernelSource({ producer: p.producer, decoder, ringCapacity: p.ringCapacity, batchSize: p.batchSize });
  return withStats(inner, p.run, () => instance?.exports as unknown as HookExports | undefined);
}

/**
 * The frames of an .etl file, undecoded: every event, known or not, as the ETW frame of
 * kinds/etw-frame.ts (a 56-byte header, then the event's user data).
 *
 * @example
 * etw.fromEtlRaw('trace.etl').subscribe((chunk) => { for (const f of chunk) console.log(f.payload.length); });
 * @throws as etw.fromEtl().
 */
export function fromEtlRaw(input: EtlInput, options: Readonly<Partial<Omit<EtlOptions, 'filter'>>> = {}): EtlSource<RawFrames> {
  const fn = 'etw.fromEtlRaw()';
  if ((options as { filter?: unknown }).filter !== undefined) invalidArgument(fn, 'filter: raw frames are not filtered; use etw.fromEtl()');
  const p = plan(input, options, fn, false);
  const inner = kernelSource({ producer: p.producer, decoder: rawDecoder('etw', ETW_SOURCE_ID), ringCapacity: p.ringCapacity, batchSize: p.batchSize });
  return withStats(inner, p.run, () => undefined);
}

/** The etw namespace: .etl files decoded anywhere, and the decoder a live session shares. */
export interface EtwApi {
  /** Events of an .etl file as batches (etw-etl.ts fromEtl). */
  readonly fromEtl: typeof fromEtl;
  /** Every record of an .etl file as raw ETW frames (etw-etl.ts fromEtlRaw). */
  readonly fromEtlRaw: typeof fromEtlRaw;
  /** The etw record decoder with the known events and a filter registered (etw-etl.ts etwRecordDecoder). */
  readonly decoder: typeof etwRecordDecoder;
  /** The filter key of (eventClass, opcode, eventId), as the decoder's hooks count unknown events. */
  readonly key: typeof etwKey;
  /** The eventClass of a GUID kwire does not know (0xffff). */
  readonly unknownClass: number;
  /** Events of a live kernel trace session, Windows only (etw-live.ts etwLive). */
  readonly live: typeof etwLive;
}

/**
 * ETW: Windows kernel events decoded anywhere. `etw.fromEtl(file)` reads .etl trace files; a live
 * session (`etw.live()`, Windows only) writes the same frames (kinds/etw-frame.ts) to the same decoder.
 *
 * @example
 * etw.fromEtl(readFileSync('trace.etl')).pipe(toEvents()).subscribe((e) => console.log(e));
 */
export const etw: EtwApi = { fromEtl, fromEtlRaw, decoder: etwRecordDecoder, key: etwKey, unknownClass: ETW_UNKNOWN_CLASS, live: etwLive };
