// A BPF program loads while the process takes signals all the time: the verifier gives up with EAGAIN
// when a signal is pending, so under a sampling profiler (node --cpu-prof, SIGPROF every 50 µs here)
// `kwire exec` failed to load every time until the load blocked signals. Live: it traces a real exec.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

describe.skipIf(!canRunLive)(`loading under a profiler's signals${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('kwire exec --json under node --cpu-prof --cpu-prof-interval 50 loads, traces an exec and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw16-sigprof-'));
    try {
      const args = ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', join(dir, 'profiles'), repoPath('packages/cli/bin/kwire.js'), 'exec', '--json', '--argv', 'exec'];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((r) => child.on('close', r));
      const marker = `kw16sig${process.pid % 100000}`;
      copyFileSync('/bin/true', join(dir, marker));
      // Exec the marker every 200 ms until it shows up (the program is attached) or kwire has exited.
      let polls = 0;
      await waitFor('the marker exec in kwire exec --json', () => {
        if (stdout.includes(marker) || child.exitCode !== null) return true;
        if (polls++ % 10 === 0) void run(join(dir, marker), []);
        return false;
      }, 30_000);
      child.kill('SIGINT');
      const code = await closed;
      expect(stderr).not.toMatch(/EAGAIN|temporarily unavailable/);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(marker);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
