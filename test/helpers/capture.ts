// Small synthetic captures for the pure tests, and a replay that collects everything.
import { from, lastValueFrom, toArray } from 'rxjs';
import { execDecoder, exitDecoder, flowDecoder, FrameDecoder, memorySink, RawFrames, record, replay, SourceId, type Batch, type CaptureIssue, type ExecEvent, type RecordDecoder, type ReplayOptions, type ReplayStats } from 'kwire';
import { encodeExec, type ExecRecord } from '../reference/exec.js';
import { encodeExit, type ExitRecord } from '../reference/exit.js';
import { encodeFlow, ipv4, type FlowRecord } from '../reference/flow.js';
import { concat, frame } from '../reference/frames.js';

export function execRecord(i: number): ExecRecord {
  return { ts: 1_000_000_000n + BigInt(i) * 1000n, cgroupId: 2n ** 60n + BigInt(i), pid: 100 + i, ppid: 1, uid: i % 3, gid: 0, pidns: 4026531836, flags: 0, comm: `c${i}`, filename: `/bin/p${i}`, argv: [`p${i}`, 'arg', `x${'y'.repeat(i % 7)}`] };
}

/** Chunks of exec frames: chunk c holds `perChunk` records. */
export function execChunks(chunks: number, perChunk: number): RawFrames[] {
  return Array.from({ length: chunks }, (_, c) => {
    const frames = Array.from({ length: perChunk }, (_, k) => frame(SourceId.exec, encodeExec(execRecord(c * perChunk + k))));
    return new RawFrames(perChunk, concat(frames));
  });
}

export function exitRecord(i: number): ExitRecord {
  const t = 1_000_000_000n + BigInt(i) * 1000n;
  return { startTime: t - 5_000_000n, exitTime: t, cgroupId: 2n ** 60n + BigInt(i), pidnsDev: 4n, pid: 300 + i, tid: 300 + i, ppid: 1, status: (i % 256) << 8 | (i % 3 === 0 ? 9 : 0), pidns: 4026531836, flags: 1, comm: `e${i}` };
}

export function flowRecord(i: number): FlowRecord {
  return {
    start: 1_700_000_000_000_000_000n + BigInt(i), ts: 1_000_000_000n + BigInt(i) * 1000n, cookie: BigInt(i + 1), srcAddr: ipv4(10, 0, 0, 1 + (i % 200)), dstAddr: ipv4(10, 0, 1, 1),
    packetsOrig: BigInt(i), bytesOrig: BigInt(i * 60), packetsRet: 1n, bytesRet: 84n, connmark: 0, netns: 4026531840, srcPort: 40000 + i, dstPort: 80, proto: 6, kind: 1 + (i % 2),
  };
}

const encoders: Record<number, (i: number) => Uint8Array> = {
  [SourceId.exec]: (i) => encodeExec(execRecord(i)),
  [SourceId.exit]: (i) => encodeExit(exitRecord(i)),
  [SourceId.flow]: (i) => encodeFlow(flowRecord(i)),
};

/** Chunks of exec, exit and flow frames in turn: chunk c holds `perChunk` records of one source. */
export function mixedChunks(chunks: number, perChunk: number): RawFrames[] {
  const ids = [SourceId.exec, SourceId.exit, SourceId.flow];
  return Array.from({ length: chunks }, (_, c) => {
    const id = ids[c % 3]!;
    return new RawFrames(perChunk, concat(Array.from({ length: perChunk }, (_, k) => frame(id, encoders[id]!(c * perChunk + k)))));
  });
}

const decoders: Record<number, RecordDecoder<Batch<unknown>>> = { [SourceId.exec]: execDecoder, [SourceId.exit]: exitDecoder, [SourceId.flow]: flowDecoder };

/** The events of chunks of any source, decoded directly (no capture in between). */
export function decodeChunks(chunks: RawFrames[]): unknown[] {
  return chunks.flatMap((c) => new FrameDecoder(decoders[c.source]!).decode(c.bytes).batches.flatMap((b) => [...b]));
}

/** A capture of those chunks, each written as one chunk entry. */
export async function captureOf(chunks: RawFrames[]): Promise<Uint8Array> {
  const sink = memorySink();
  // Mixed sources: one Observable of chunks, whose frames name each chunk's source.
  const single = chunks.every((c) => c.source === SourceId.exec);
  await lastValueFrom(record(single ? { exec: from(chunks) } : from(chunks), sink, { flushMs: 0 }), { defaultValue: undefined });
  return sink.bytes();
}

export interface Replayed {
  events: ExecEvent[];
  issues: CaptureIssue[];
  stats: ReplayStats;
  error?: { code?: string; message: string };
}

export async function replayAll(bytes: Uint8Array, options: Partial<ReplayOptions> = {}): Promise<Replayed> {
  const issues: CaptureIssue[] = [];
  const r = replay(bytes, { ...options, onIssue: (i) => issues.push(i) });
  try {
    const events = await lastValueFrom(r.events<ExecEvent>().pipe(toArray()));
    return { events, issues, stats: r.stats() };
  } catch (error) {
    return { events: [], issues, stats: r.stats(), error: error as { code?: string; message: string } };
  }
}
