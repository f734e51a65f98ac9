// The .etl walker (assembly/etl/, build/etl.wasm) seen from TypeScript: one instance per file walked.
// Bytes of the file go in (any chunking); ETW frames (kinds/etw-frame.ts) come out, with the walk's
// counters and the logfile header. It parses nothing itself: the WASM module does.
import { readFileSync } from 'node:fs';
import { etlWasmPath } from '../platform/artifacts.js';
import { ETW_CLASSES, ETW_PROVIDERS, guidBytes } from './etw-frame.js';

interface WalkerExports {
  memory: WebAssembly.Memory;
  etlSetClass(eventClass: number, lo: bigint, hi: bigint): void;
  etlReset(): void;
  etlInput(size: number): number;
  etlOutput(): number;
  etlOutputUsed(): number;
  etlOutputFrames(): number;
  etlOutputClear(): void;
  etlWalk(len: number, final: number, softLimit: number): number;
  etlCounter(i: number): bigint;
  etlHeaderTypeCount(t: number): number;
  etlHookCount(hook: number): number;
  etlHeader(i: number): bigint;
  etlNames(): number;
  etlAlloc(size: number): number;
  xpressDecompress(src: number, srcLen: number, dst: number, dstCap: number): number;
}

/** What a walk counted (assembly/etl/walker.ts C_*): buffers, records, and everything skipped. */
export interface EtlWalkCounts {
  buffers: number;
  compressedBuffers: number;
  records: number;
  /** Buffers whose header, size or offset cannot be right (after a bad size, the rest of the file is skipped). */
  badBuffers: number;
  /** Records whose marker, size or extended items cannot be right (the rest of their buffer is skipped). */
  badRecords: number;
  /** Compressed buffers that did not decompress to their size. */
  xpressErrors: number;
  /** Bytes at the end of the input that hold no whole buffer. */
  truncatedBytes: number;
  /** Bytes after a broken buffer chain. */
  skippedBytes: number;
  /** Records of a header type the walker does not know (skipped by their size). */
  unknownHeaders: number;
  /** WPP message records (counted, not decoded). */
  messages: number;
  /** Records before any logfile header set the clock (their `time` is 0). */
  noClock: number;
}
const COUNT_NAMES: readonly (keyof EtlWalkCounts)[] = [
  'buffers', 'compressedBuffers', 'records', 'badBuffers', 'badRecords', 'xpressErrors', 'truncatedBytes',
  'skippedBytes', 'unknownHeaders', 'messages', 'noClock',
];

/** The logfile header (TRACE_LOGFILE_HEADER) of an .etl file: its clock, OS and session. */
export interface EtlHeader {
  /** Session buffer size (bytes). */
  bufferSize: number;
  /** OS version major.minor, as the header's Version holds it ("10.0"). */
  osVersion: string;
  /** OS build number (ProviderVersion). */
  build: number;
  processors: number;
  /** When the trace ended, if the header says. */
  endTime: Date | undefined;
  logFileMode: number;
  buffersWritten: number;
  pointerSize: number;
  eventsLost: number;
  buffersLost: number;
  cpuSpeedMHz: number;
  bootTime: Date | undefined;
  /** The trace's start: the wall-clock time of `rawStart`. */
  startTime: Date | undefined;
  /** startTime as a FILETIME (100 ns since 1601-01-01 UTC), to the tick. */
  startFiletime: bigint;
  /** 1 QPC, 2 system time, 3 CPU cycles. */
  clockType: number;
  /** Ticks per second of the raw timestamps. */
  perfFrequency: number;
  /** Raw timestamp of the logfile header record. */
  rawStart: bigint;
  loggerName: string;
  logFileName: string;
}

const FILETIME_UNIX_EPOCH = 116444736000000000n;

/**
 * The Date of a FILETIME (100 ns since 1601-01-01 UTC); undefined for 0.
 *
 * @example
 * filetimeToDate(133000000000000000n)?.toISOString();
 */
export function filetimeToDate(ft: bigint): Date | undefined {
  if (ft === 0n) return undefined;
  return new Date(Number((ft - FILETIME_UNIX_EPOCH) / 10000n));
}

let compiled: WebAssembly.Module | undefined;

/** One walk of one .etl file. */
export class EtlWalker {
  private readonly x: WalkerExports;

  constructor() {
    compiled ??= new WebAssembly.Module(readFileSync(etlWasmPath()));
    const instance = new WebAssembly.Instance(compiled, { env: { abort: () => { throw new Error('kwire .etl walker aborted'); } } });
    this.x = instance.exports as unknown as WalkerExports;
    (this.x as unknown as { _initialize?: () => void })._initialize?.();
    for (const c of [...ETW_CLASSES, ...ETW_PROVIDERS]) {
      const b = guidBytes(c.guid);
      const v = new DataView(b.buffer);
      this.x.etlSetClass(c.eventClass, v.getBigUint64(0, true), v.getBigUint64(8, true));
    }
    this.x.etlReset();
  }

  /** Walks `bytes` (after what came before; `final`: the file ends with them). Returns how many bytes
   *  it consumed: whole buffers, or everything when final. The caller keeps the rest for the next call
   *  and takes the frames out (frames()) when they pass `softLimit` bytes. */
  walk(bytes: Uint8Array, final: boolean, softLimit = 1 << 20): number {
    const at = this.x.etlInput(Math.max(bytes.length, 1));
    new Uint8Array(this.x.memory.buffer, at, bytes.length).set(bytes);
    return this.x.etlWalk(bytes.length, final ? 1 : 0, softLimit);
  }

  /** The frames written since the last clear (a view into the walker's memory: copy before walking on). */
  frames(): { bytes: Uint8Array; count: number } {
    return { bytes: new Uint8Array(this.x.memory.buffer, this.x.etlOutput(), this.x.etlOutputUsed()), count: this.x.etlOutputFrames() };
  }

  /** Forgets the frames taken out. */
  clearFrames(): void {
    this.x.etlOutputClear();
  }

  /** Counts of a walk that has not started. */
  static zeroCounts(): EtlWalkCounts {
    return Object.fromEntries(COUNT_NAMES.map((n) => [n, 0])) as unknown as EtlWalkCounts;
  }

  counts(): EtlWalkCounts {
    const out = {} as EtlWalkCounts;
    COUNT_NAMES.forEach((n, i) => (out[n] = Number(this.x.etlCounter(i))));
    return out;
  }

  /** Records by header type, keyed as people write the marker's high half ('0xc002' SYSTEM64, …). */
  headerTypes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let t = 0; t < 256; t++) {
      const n = this.x.etlHeaderTypeCount(t);
      if (n > 0) out[`0xc0${t.toString(16).padStart(2, '0')}`] = n;
    }
    return out;
  }

  /** SYSTEM/COMPACT/PERFINFO records by HookId ('0x0302', …). */
  hooks(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let h = 0; h < 65536; h++) {
      const n = this.x.etlHookCount(h);
      if (n > 0) out[`0x${h.toString(16).padStart(4, '0')}`] = n;
    }
    return out;
  }

  /** The logfile header, once the walk has passed it. */
  header(): EtlHeader | undefined {
    const h = (i: number) => this.x.etlHeader(i);
    if (h(0) === 0n) return undefined;
    const version = Number(h(2));
    const n = Number(h(17));
    const text = new TextDecoder('utf-16le').decode(new Uint8Array(this.x.memory.buffer, this.x.etlNames(), n & ~1));
    const [loggerName = '', logFileName = ''] = text.split('\0');
    return {
      bufferSize: Number(h(1)), osVersion: `${version & 0xff}.${(version >> 8) & 0xff}`, build: Number(h(3)), processors: Number(h(4)),
      endTime: filetimeToDate(h(5)), logFileMode: Number(h(6)), buffersWritten: Number(h(7)), pointerSize: Number(h(8)),
      eventsLost: Number(h(9)), cpuSpeedMHz: Number(h(10)), bootTime: filetimeToDate(h(11)), perfFrequency: Number(h(12)),
      startTime: filetimeToDate(h(13)), startFiletime: h(13), clockType: Number(h(14)), buffersLost: Number(h(15)), rawStart: BigInt.asIntN(64, h(16)),
      loggerName, logFileName,
    };
  }

  /** Decompresses MS-XCA plain LZ77 `src` into at most `capacity` bytes: the bytes (a copy), or a
   *  negative code (-1 overflow, -2 truncated, -3 a bad match). For tests, fuzzing and benchmarks. */
  xpress(src: Uint8Array, capacity: number): Uint8Array | number {
    if (src.length + 1 > this.srcCap) (this.src = this.x.etlAlloc((this.srcCap = Math.max(src.length + 1, this.srcCap * 2)))), 0;
    if (capacity + 1 > this.dstCap) (this.dst = this.x.etlAlloc((this.dstCap = Math.max(capacity + 1, this.dstCap * 2)))), 0;
    new Uint8Array(this.x.memory.buffer, this.src, src.length).set(src);
    const n = this.x.xpressDecompress(this.src, src.length, this.dst, capacity);
    return n < 0 ? n : new Uint8Array(this.x.memory.buffer, this.dst, n).slice();
  }

  private src = 0;
  private srcCap = 0;
  private dst = 0;
  private dstCap = 0;
}
