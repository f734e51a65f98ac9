// Enrichment lookups with caches bounded in size and time: cgroup id → path and container, uid → user
// name, pid → executable. A miss (nothing found) is counted and not cached, so a cgroup or user that
// appears later is found once it exists; a full re-read is rate-limited.
import { readFileSync, readlinkSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { checkInteger, checkOptions } from '../validate.js';
import { cgroupInfo, type CgroupInfo } from './containers.js';
import { cgroupIdOfPath, cgroupV2Root, walkCgroups } from './cgroup-paths.js';
import { socketHolder, socketInode, type SocketOwner } from './sockets.js';

export interface EnricherOptions {
  /** Entries per cache at most (least recently used go first). Default: 4096. */
  maxEntries: number;
  /** An entry is forgotten this many ms after it was read. Default: 60 000 (exe: 10 000, pids are reused). */
  ttl: number;
  /** At most one full re-read (cgroup tree, /etc/passwd) per this many ms on misses. Default: 1000. */
  rereadInterval: number;
  /** The cgroup v2 root. Default: where /proc/self/mountinfo says cgroup2 is mounted. */
  cgroupRoot: string;
  /** The passwd file. Default: /etc/passwd. */
  passwd: string;
  /** The /proc directory. Default: /proc. */
  proc: string;
  /** The caches' clock (TestScheduler in tests). Default: asyncScheduler. */
  scheduler: SchedulerLike;
}

/** One cache's counters. */
export interface CacheStats {
  size: number;
  hits: number;
  /** Lookups that found nothing, even after a re-read. */
  misses: number;
  /** Lookups answered by reading the system (a fill). */
  loads: number;
  /** Entries dropped for room. */
  evictions: number;
  /** Entries dropped for age. */
  expirations: number;
}

export interface EnricherStats {
  cgroup: CacheStats;
  user: CacheStats;
  exe: CacheStats;
  socket: CacheStats;
}

class Lookup<K extends {}, V extends {}> {
  readonly cache: LRUCache<K, V>;
  readonly stats: Omit<CacheStats, 'size'> = { hits: 0, misses: 0, loads: 0, evictions: 0, expirations: 0 };
  private lastFill = -Infinity;

  constructor(max: number, ttl: number, private readonly clock: SchedulerLike, private readonly every: number, private readonly fill: (key: K, cache: LRUCache<K, V>) => void) {
    this.cache = new LRUCache<K, V>({
      // lru-cache reads a start time of 0 as "no TTL": virtual clocks start at 0, so shift by 1 ms.
      max, ttl, ttlResolution: 0, perf: { now: () => clock.now() + 1 }, updateAgeOnGet: false,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.stats.evictions++;
        else if (reason === 'expire') this.stats.expirations++;
      },
    });
  }

  get(key: K, single = false): V | undefined {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.stats.hits++;
      return hit;
    }
    const now = this.clock.now();
    if (single || now - this.lastFill >= this.every) {
      if (!single) this.lastFill = now;
      this.fill(key, this.cache);
      const loaded = this.cache.get(key);
      if (loaded !== undefined) {
        this.stats.loads++;
        return loaded;
      }
    }
    this.stats.misses++;
    return undefined;
  }

  snapshot(): CacheStats {
    this.cache.purgeStale();
    return { size: this.cache.size, ...this.stats };
  }
}

/**
 * Lookups that enrich events: cgroup id → its path, container (docker, containerd, cri-o, podman) and
 * systemd unit; uid → user name; pid → executable path. Each cache is bounded in entries and age, and
 * counts hits, misses, loads, evictions and expirations.
 *
 * @example
 * const enricher = new Enricher({ maxEntries: 1024 });
 * execEvents().subscribe((e) => console.log(e.pid, enricher.user(e.uid), enricher.cgroup(e.cgroupId)?.container?.id));
 * @throws KwireError EINVAL_ARGUMENT for a bad option.
 */
export class Enricher {
  private readonly cgroups: Lookup<bigint, CgroupInfo>;
  private readonly users: Lookup<number, string>;
  private readonly exes: Lookup<number, string>;
  private readonly sockets: Lookup<string, SocketOwner & { cgroupId?: bigint }>;

  constructor(options: Readonly<Partial<EnricherOptions>> = {}) {
    const fn = 'new Enricher()';
    checkOptions(fn, options);
    const { maxEntries = 4096, ttl = 60_000, rereadInterval = 1000, passwd = '/etc/passwd', proc = '/proc', scheduler = asyncScheduler } = options;
    checkInteger(fn, 'maxEntries', maxEntries, 1, 1 << 24, '2^24');
    checkInteger(fn, 'ttl', ttl, 1, 2 ** 31, '2^31');
    checkInteger(fn, 'rereadInterval', rereadInterval, 0, 2 ** 31, '2^31');
    const root = options.cgroupRoot ?? cgroupV2Root();
    // A re-read fills the cache with everything it found, the entry asked for last (so it stays).
    this.cgroups = new Lookup(maxEntries, ttl, scheduler, rereadInterval, (want, cache) => {
      const found = walkCgroups(maxEntries, root);
      for (const [id, path] of found) if (id !== want) cache.set(id, cgroupInfo(id, path));
      const path = found.get(want);
      if (path !== undefined) cache.set(want, cgroupInfo(want, path));
    });
    this.users = new Lookup(maxEntries, ttl, scheduler, rereadInterval, (want, cache) => {
      let text = '';
      try {
        text = readFileSync(passwd, 'utf8');
      } catch {
        return;
      }
      let wanted: string | undefined;
      for (const line of text.split('\n')) {
        const [name, , uid] = line.split(':');
        if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
        if (Number(uid) === want) wanted ??= name;
        else if (!cache.has(Number(uid))) cache.set(Number(uid), name);
      }
      if (wanted !== undefined) cache.set(want, wanted);
    });
    this.sockets = new Lookup(maxEntries, Math.min(ttl, 10_000), scheduler, 0, (key, cache) => {
      const [proto, addr, port] = key.split('/');
      const inode = socketInode(proc, Number(proto), addr!, Number(port));
      const owner = inode === undefined ? undefined : socketHolder(proc, inode);
      if (!owner) return;
      const cgroupId = owner.cgroupPath !== undefined ? cgroupIdOfPath(owner.cgroupPath, root) : undefined;
      cache.set(key, { ...owner, ...(cgroupId !== undefined ? { cgroupId } : {}) });
    });
    this.exes = new Lookup(maxEntries, Math.min(ttl, 10_000), scheduler, 0, (pid, cache) => {
      try {
        cache.set(pid, readlinkSync(`${proc}/${pid}/exe`));
      } catch {
        /* gone, or a kernel thread: a miss */
      }
    });
  }

  /**
   * The process holding the local end of a flow in this network namespace: the socket bound to
   * addr:port (proto 6 TCP, 17 UDP) from /proc/net, its holder from /proc/PID/fd; with its cgroup id.
   * Undefined when no process holds it (closed already, or another network namespace).
   */
  socket(proto: number, addr: string, port: number): (SocketOwner & { cgroupId?: bigint }) | undefined {
    return this.sockets.get(`${proto}/${addr}/${port}`, true);
  }

  /** The cgroup with this id: path, container and systemd unit; undefined when no such cgroup exists. */
  cgroup(id: bigint): CgroupInfo | undefined {
    return this.cgroups.get(id);
  }

  /** The user name of this uid (from the passwd file); undefined when it has none. */
  user(uid: number): string | undefined {
    return this.users.get(uid);
  }

  /** The executable of this pid (/proc/PID/exe); undefined when it is gone or has none. */
  exe(pid: number): string | undefined {
    return this.exes.get(pid, true);
  }

  /** Each cache's size and counters. */
  stats(): EnricherStats {
    return { cgroup: this.cgroups.snapshot(), user: this.users.snapshot(), exe: this.exes.snapshot(), socket: this.sockets.snapshot() };
  }
}
