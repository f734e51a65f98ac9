// The programs in examples/, run briefly against a workload of the test's own: each prints (or
// writes) what it promises, and stops cleanly on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { missingNetworkCapabilities } from 'kwire';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

const children: ChildProcess[] = [];
function example(name: string, args: string[]) {
  const child = spawn(process.execPath, [repoPath(`examples/${name}`), ...args], { cwd: repoPath('examples'), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return { child, out, exited: once(child, 'exit') as Promise<[number | null, string | null]> };
}

/** Runs `work` every second until `done()`: the example's sources attach after it starts. */
async function until(what: string, done: () => boolean, work: () => void) {
  let last = 0;
  await waitFor(what, () => {
    if (done()) return true;
    if (Date.now() - last > 1000) (last = Date.now()), work();
    return false;
  }, 30_000);
}

/** A TCP connection on loopback to `port`, carrying `bytes` and held open 1.5 s (so its socket can be
 *  looked up while it lives), server and client in one python3 process. */
function connect(port: number, bytes: number) {
  const script = `import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', ${port})); s.listen(1)
c = socket.create_connection(('127.0.0.1', ${port})); a, _ = s.accept()
c.sendall(b'x' * ${bytes}); got = 0
while got < ${bytes}: got += len(a.recv(65536))
time.sleep(1.5); c.close(); a.close(); s.close()`;
  children.push(spawn('/usr/bin/python3', ['-c', script], { stdio: 'ignore' }));
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe.skipIf(!canRunLive)(`examples/${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('exit-alert.mjs: alerts on a process that exits non-zero, with its command line and code, and not on one that exits 0', async () => {
    const tag = `kw17-${randomUUID().slice(0, 8)}`;
    const { child, out, exited } = example('exit-alert.mjs', ['60']);
    await until('the alert', () => out.stdout.includes(tag), () => {
      spawnSync('sh', ['-c', 'exit 0', `${tag}-ok`]);
      spawnSync('sh', ['-c', 'exit 5', tag]);
    });
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`ALERT pid \\d+ \\[sh -c exit 5 ${tag}\\] exited with code 5 after [\\d.]+ ms \\(parent ${process.pid} node\\)`));
    expect(out.stdout).not.toContain(`${tag}-ok`);
  });

  const net = missingNetworkCapabilities();
  it.skipIf(net.length > 0)(`outbound-connections.mjs: logs a new connection with its process and cgroup${net.length ? ` (skipped: lacks ${net.join(' and ')})` : ''}`, async () => {
    const { child, out, exited } = example('outbound-connections.mjs', ['60']);
    let port = 21710;
    await until('the connection', () => /-> 127\.0\.0\.1:217\d\d pid \d+ python3 /.test(out.stdout), () => connect(++port, 2000));
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(out.stdout).toMatch(/^tcp 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:217\d\d pid \d+ python3 \/usr\/bin\/python3\S* cgroup \S+/m);
    expect(out.stderr).toMatch(/socket lookups: \d+ found/);
  });

  it.skipIf(net.length > 0)(`top-talkers-to-file.mjs: writes the top talkers to its file every period${net.length ? ` (skipped: lacks ${net.join(' and ')})` : ''}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw17-examples-'));
    const file = join(dir, 'top.json');
    const { child, exited } = example('top-talkers-to-file.mjs', [file, '1', '60']);
    const top = () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { seconds: number; top: Array<{ dstPort: number; bytes: number }> }) : undefined);
    let port = 21750;
    // (the transfer's bytes come with its flow's destroy record, a window or two after its first packet)
    await until('our transfer in the file', () => top()?.top.some((r) => r.dstPort > 21750 && r.dstPort <= port && r.bytes > 300_000) ?? false, () => connect(++port, 300_000));
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    const written = top()!;
    expect(written.seconds).toBeGreaterThan(0.5);
    expect(written.top.length).toBeLessThanOrEqual(10);
    rmSync(dir, { recursive: true, force: true });
  });
});
