// Live: a process that ends while its sources are attached (exec over ringbuf, exits over perf, flows
// with cgroup_skb, and flows with tc in a namespace that outlives it) leaves no BPF program behind,
// however it ends: process.exit() inside next(), process.exit() before anything arrived, a consumer's
// uncaught throw, SIGTERM, SIGKILL. On a kill nothing of kwire runs: the kernel frees programs and
// links when the process's fds close, so every attachment must be owned by an fd.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { programsFreed } from './helpers/leaks.js';
import { createNetnsPair, type NetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';

interface Ended {
  ids: number[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the child in `mode` (in network namespace `netns` if given), kills it with `kill` once it
 *  holds its programs, and returns what it held and how it ended. */
async function child(mode: string, kill?: NodeJS.Signals, netns?: string): Promise<Ended> {
  const args = [repoPath('test/helpers/soak-child.mjs'), mode, ...(netns ? ['lo'] : [])];
  const p = netns ? spawn('ip', ['netns', 'exec', netns, process.execPath, ...args]) : spawn(process.execPath, args);
  let stderr = '';
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(p, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = createInterface({ input: p.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), exited.then(() => [undefined])])) as [string | undefined];
  if (first === undefined) throw new Error(`the child ended before attaching: ${stderr}`);
  const { ids } = JSON.parse(first) as { ids: number[] };
  if (kill) p.kill(kill);
  const [code, signal] = await exited;
  return { ids, code, signal, stderr };
}

describe.skipIf(!canRunLive)(`a process ending with sources attached${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it.each([
    ['process.exit(0) inside next()', 'exit', undefined, { code: 0, signal: null }],
    ['process.exit(0) before the kernel delivered anything', 'early', undefined, { code: 0, signal: null }],
    ["a consumer's uncaught throw", 'throw', undefined, { code: 1, signal: null }],
    ['SIGTERM', 'wait', 'SIGTERM', { code: null, signal: 'SIGTERM' }],
    ['SIGKILL', 'wait', 'SIGKILL', { code: null, signal: 'SIGKILL' }],
  ] as const)('%s: every program it held is unloaded', async (_, mode, kill, how) => {
    const ended = await child(mode, kill);
    // exec (1) + exits (1) + flows (cgroup ingress, egress, TCP close: 3), at least.
    expect(ended.ids.length).toBeGreaterThanOrEqual(5);
    expect({ code: ended.code, signal: ended.signal }, ended.stderr).toEqual(how);
    if (mode === 'throw') expect(ended.stderr).toContain('consumer failed');
    expect(await programsFreed(ended.ids), 'programs still loaded').toEqual([]);
  });

  describe('with flows on tc, in a network namespace that outlives the process', () => {
    let pair: NetnsPair;
    beforeAll(() => {
      pair = createNetnsPair();
    });
    afterAll(() => pair?.cleanup());

    it.each(['SIGTERM', 'SIGKILL'] as const)('%s: its tc programs are detached and unloaded', async (signal) => {
      const ended = await child('wait', signal, pair.a);
      expect(ended.signal, ended.stderr).toBe(signal);
      expect(await programsFreed(ended.ids), 'programs still loaded').toEqual([]);
    });
  });
});
