// Live: `kwire record --sources proc` captures the proc connector's datagrams as the kernel wrote them,
// and `kwire replay` prints them as the live command would (the kernel's fields; no /proc enrichment).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRunProc, procSkipReason } from './helpers/proc-live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

const bin = repoPath('packages/cli/bin/kwire.js');
const dir = mkdtempSync(join(tmpdir(), 'kw11-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!canRunProc)(`proc capture and replay${canRunProc ? '' : ` (skipped: ${procSkipReason})`}`, () => {
  it('records proc events live and replays them, a child\'s fork, exec and exit included', async () => {
    const file = join(dir, 'proc.kwcap');
    const recorder = spawn(process.execPath, [bin, 'record', '-o', file, '--sources', 'proc', '--duration', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    recorder.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<number | null>((resolve) => recorder.on('exit', resolve));
    // the file is created once the source listens
    await waitFor('the capture file', () => existsSync(file) && statSync(file).size > 0, 15_000);
    const child = spawn('sh', ['-c', 'exit 5'], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    expect(await ended, stderr).toBe(0);
    const r = await run(process.execPath, [bin, 'replay', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; pid: number; tgid: number; exitCode?: number; ppid?: number });
    const mine = events.filter((e) => e.tgid === child.pid);
    expect(mine.map((e) => e.type)).toEqual(['proc-fork', 'proc-exec', 'proc-exit']);
    expect(mine[0]).toMatchObject({ pid: child.pid, ppid: process.pid });
    expect(mine[2]).toMatchObject({ exitCode: 5, signal: 0 });
    const table = await run(process.execPath, [bin, 'replay', file, '--sources', 'proc']);
    expect(table.stdout).toMatch(/^TIME +EVENT +PID +PPID +COMM +EXIT\/SIGNAL\/ARGS$/m);
    expect(table.stdout).toMatch(new RegExp(`^\\S+ +exit +${child.pid} +${process.pid} .*code 5$`, 'm'));
  }, 30_000);
});
