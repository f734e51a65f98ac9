// What a cgroup path says about its container and its systemd unit: the path conventions of docker,
// containerd (and Kubernetes on it), cri-o, podman and systemd.

/** The container a cgroup belongs to, as its runtime names it. */
export interface ContainerRef {
  runtime: 'docker' | 'containerd' | 'cri-o' | 'podman';
  /** The 64-hex container id. */
  id: string;
  /** The Kubernetes pod uid, when the path names one. */
  pod?: string;
}

/** A cgroup's path read: its container, and its systemd unit and slice. */
export interface CgroupInfo {
  id: bigint;
  /** Relative to the cgroup v2 root ('/system.slice/ssh.service'). */
  path: string;
  container?: ContainerRef;
  /** The innermost systemd unit (.service or .scope). */
  unit?: string;
  /** The innermost systemd slice. */
  slice?: string;
}

const HEX = '[0-9a-f]{64}';
const rules: Array<[RegExp, ContainerRef['runtime']]> = [
  [new RegExp(`(?:^|/)docker-(${HEX})\\.scope$`), 'docker'],
  [new RegExp(`(?:^|/)docker/(${HEX})$`), 'docker'],
  [new RegExp(`(?:^|/)cri-containerd-(${HEX})\\.scope$`), 'containerd'],
  [new RegExp(`(?:^|/)crio-(?:conmon-)?(${HEX})\\.scope$`), 'cri-o'],
  [new RegExp(`(?:^|/)libpod-(?:conmon-)?(${HEX})\\.scope$`), 'podman'],
  [new RegExp(`(?:^|/)nerdctl-(${HEX})\\.scope$`), 'containerd'],
  [new RegExp(`/kubepods[^/]*/(?:[^/]+/)*pod[0-9a-f_-]+(?:\\.slice)?/(${HEX})$`), 'containerd'],
  [new RegExp(`^/(?!kubepods)[a-z0-9_.-]+/(${HEX})$`), 'containerd'], // containerd namespace/<id> (ctr, nerdctl with cgroupfs)
];

/**
 * Reads a cgroup path: the container id and runtime (docker, containerd and Kubernetes on it, cri-o,
 * podman), the systemd unit and slice.
 *
 * @example
 * cgroupInfo(42n, '/system.slice/docker-0123…cdef.scope').container // { runtime: 'docker', id: '0123…cdef' }
 */
export function cgroupInfo(id: bigint, path: string): CgroupInfo {
  const info: CgroupInfo = { id, path };
  for (const [re, runtime] of rules) {
    const m = re.exec(path);
    if (!m) continue;
    const pod = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/.exec(path)?.[1]?.replace(/_/g, '-');
    info.container = { runtime, id: m[1]!, ...(pod ? { pod } : {}) };
    break;
  }
  const parts = path.split('/').filter(Boolean);
  const unit = [...parts].reverse().find((p) => p.endsWith('.service') || p.endsWith('.scope'));
  const slice = [...parts].reverse().find((p) => p.endsWith('.slice'));
  if (unit) info.unit = unit;
  if (slice) info.slice = slice;
  return info;
}
