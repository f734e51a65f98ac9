// enrich(): events with what the Enricher knows of their cgroup, user and process.
import { map, type OperatorFunction } from 'rxjs';
import type { ContainerRef } from './containers.js';
import { Enricher } from './enricher.js';

/** What enrich() adds, where the event has the field it comes from (cgroupId, uid, pid). */
export interface Enrichment {
  cgroupPath?: string;
  container?: ContainerRef;
  unit?: string;
  user?: string;
  exe?: string;
}

/**
 * An operator adding to each event its cgroup path, container and systemd unit (from `cgroupId`), its
 * user name (from `uid`) and its executable (from `pid`), through an {@link Enricher}'s bounded caches.
 *
 * @example
 * const enricher = new Enricher();
 * execEvents().pipe(enrich(enricher)).subscribe((e) => console.log(e.pid, e.user, e.container?.id ?? e.cgroupPath));
 */
export function enrich<E extends { cgroupId?: bigint; uid?: number; pid?: number }>(enricher: Enricher = new Enricher()): OperatorFunction<E, E & Enrichment> {
  return map((e) => {
    const out: E & Enrichment = { ...e };
    if (typeof e.cgroupId === 'bigint' && e.cgroupId !== 0n) {
      const c = enricher.cgroup(e.cgroupId);
      if (c) {
        out.cgroupPath = c.path;
        if (c.container) out.container = c.container;
        if (c.unit) out.unit = c.unit;
      }
    }
    if (typeof e.uid === 'number') {
      const user = enricher.user(e.uid);
      if (user !== undefined) out.user = user;
    }
    if (typeof e.pid === 'number' && e.pid > 0) {
      const exe = enricher.exe(e.pid);
      if (exe !== undefined) out.exe = exe;
    }
    return out;
  });
}
