// Running etw.fromEtl() to the end in tests: every event object and the final stats.
import { readFileSync } from 'node:fs';
import { etw, toEvents, type EtlInput, type EtlOptions, type EtlStats, type EtwEvent } from 'kwire';
import { repoPath } from './repo.js';

export const ETL_FIXTURES = ['ShutdownPerfDiagLogger', 'net.4.5.2.x64', 'net.4.5.2.x86', 'KernelNetwork', 'Process', 'lxcore_kernel', 'smallEtlFile'] as const;
export type EtlFixture = (typeof ETL_FIXTURES)[number];

export const etlPath = (name: EtlFixture): string => repoPath('fixtures', 'etw', `${name}.etl`);
const cache = new Map<string, Uint8Array>();
export const etlBytes = (name: EtlFixture): Uint8Array => {
  if (!cache.has(name)) cache.set(name, new Uint8Array(readFileSync(etlPath(name))));
  return cache.get(name)!;
};

export interface EtlRun {
  events: EtwEvent[];
  stats: EtlStats;
}

/** Every event of `input` and the source's stats once it completes (rejects with the source's error). */
export function readEtl(input: EtlInput, options: Readonly<Partial<EtlOptions>> = {}): Promise<EtlRun> {
  const source = etw.fromEtl(input, options);
  const events: EtwEvent[] = [];
  return new Promise((resolve, reject) => {
    source.pipe(toEvents()).subscribe({
      next: (e) => events.push(e as EtwEvent),
      error: reject,
      complete: () => resolve({ events, stats: source.stats() }),
    });
  });
}
