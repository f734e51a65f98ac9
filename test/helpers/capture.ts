// Small synthetic captures for the pure tests, and a replay that collects everything.
import { from, lastValueFrom, toArray } from 'rxjs';
import { memorySink, RawFrames, record, replay, SourceId, type CaptureIssue, type ExecEvent, type ReplayOptions, type ReplayStats } from 'kwire';
import { encodeExec, type ExecRecord } from '../reference/exec.js';
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

/** A capture of those chunks, each written as one chunk entry. */
export async function captureOf(chunks: RawFrames[]): Promise<Uint8Array> {
  const sink = memorySink();
  await lastValueFrom(record({ exec: from(chunks) }, sink, { flushMs: 0 }), { defaultValue: undefined });
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
