// kwire top in a real terminal: tmux runs it, send-keys presses its keys, capture-pane reads what it
// drew. It draws, switches views, sorts, follows a resize, and quits on q and on Ctrl-C with the
// terminal restored (main screen back, cursor shown); frames never clear the screen (no flicker);
// unprivileged, it replays the bundled capture and says so; as root, it shows live processes.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const kwire = repoPath('packages/cli/bin/kwire.js');
const fixture = repoPath('fixtures/capture/host.kwcap');
let socket = '';
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'top');
const flag = (name: string) => tmux('display-message', '-p', '-t', 'top', `#{${name}}`).trim();
const sees = async (what: string | RegExp) => {
  await waitFor(`the screen to show ${what}`, () => (typeof what === 'string' ? screen().includes(what) : what.test(screen())), 15_000);
  return screen();
};

function start(command: string, width = 120, height = 30) {
  socket = `kw17-${randomUUID().slice(0, 8)}`; // a server of each test's own
  tmux('new-session', '-d', '-s', 'top', '-x', String(width), '-y', String(height), `${command}; echo "EXITED $?"; sleep 60`);
}

describe.skipIf(!hasTmux)(`kwire top in tmux${hasTmux ? '' : ' (skipped: tmux is not installed; scripts/setup.sh installs it)'}`, () => {
  afterEach(() => {
    try {
      tmux('kill-server');
    } catch {
      /* already gone */
    }
    // kill-server leaves its socket file behind
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  });

  it('draws the process view, switches to flows, sorts, reverses, resizes, and quits on q with the terminal restored, never clearing a frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw17-top-'));
    const raw = join(dir, 'raw');
    start(`node ${kwire} top --replay ${fixture}`);
    tmux('pipe-pane', '-o', '-t', 'top', `cat >> ${raw}`);
    let s = await sees(`kwire top — REPLAY of ${fixture}`);
    s = await sees('sh -c exit 3');
    expect(s).toMatch(/view: processes/);
    expect(s).toMatch(/^PID\s+PPID\s+USER\s+STATE\s+TIME\(s\)\s+EXIT\s+COMM\s+ARGS/m);
    expect(s).toMatch(/exit\s+\S+\s+code 3\s+sh\s+sh -c exit 3/);
    expect(s).toMatch(/signal 15 \(SIGTERM\)\s+sh\s+sh -c kill -TERM \$\$/);
    expect(flag('alternate_on')).toBe('1');

    tmux('send-keys', '-t', 'top', 'f');
    s = await sees('view: flows');
    expect(s).toMatch(/^tcp\s+127\.0\.0\.1\s+127\.0\.0\.1:7001\s/m);
    expect(s).toContain('sort: bytes/s');
    const rows = (text: string) => text.split('\n').filter((l) => /^(tcp|udp|icmp)\s/.test(l)).map((l) => l.split(/\s+/)[0]);
    expect(rows(s)).toEqual(['tcp', 'udp', 'icmp']);
    tmux('send-keys', '-t', 'top', 'r');
    s = await sees('(reversed)');
    expect(rows(s)).toEqual(['icmp', 'udp', 'tcp']);
    tmux('send-keys', '-t', 'top', 's');
    s = await sees('sort: packets/s');

    tmux('send-keys', '-t', 'top', 'Tab');
    s = await sees('view: processes');
    tmux('resize-window', '-t', 'top', '-x', '60', '-y', '12');
    await waitFor('a frame at 60 columns', () => screen().split('\n')[1]!.trimEnd().length === 60);
    s = screen();
    expect(s.split('\n').length).toBeLessThanOrEqual(13);
    expect(s.split('\n').every((l) => l.length <= 60)).toBe(true);

    tmux('send-keys', '-t', 'top', 'q');
    s = await sees('EXITED 0');
    expect(flag('alternate_on')).toBe('0');
    expect(flag('cursor_flag')).toBe('1');
    expect(s).not.toContain('kwire top —'); // the main screen, as it was
    const bytes = readFileSync(raw, 'latin1');
    expect(bytes.split('\x1b[2J').length - 1).toBe(1); // cleared once, on entering the alternate screen
    expect(bytes.split('\x1b[H').length - 1).toBeGreaterThan(3); // every frame starts at home and overwrites
    expect(bytes).toContain('\x1b[?25h\x1b[?1049l'); // cursor shown, main screen back
    rmSync(dir, { recursive: true, force: true });
  });

  it('quits on Ctrl-C with the terminal restored', async () => {
    start(`node ${kwire} top --replay ${fixture}`);
    await sees('kwire top —');
    tmux('send-keys', '-t', 'top', 'C-c');
    await sees('EXITED 0');
    expect(flag('alternate_on')).toBe('0');
    expect(flag('cursor_flag')).toBe('1');
  });

  const nobody = spawnSync('setpriv', ['--version']).status === 0 && process.getuid?.() === 0;
  it.skipIf(!nobody)(`unprivileged, it replays the bundled capture and says so${nobody ? '' : ' (skipped: needs root and setpriv to run as nobody)'}`, async () => {
    start(`setpriv --reuid=65534 --regid=65534 --clear-groups node ${kwire} top`);
    const s = await sees('not live: live tracing was refused, this process lacks CAP_BPF');
    expect(s).toContain(`REPLAY of ${fixture}`);
    await sees('sh -c exit 3');
    tmux('send-keys', '-t', 'top', 'q');
    await sees('EXITED 0');
  });

  it.skipIf(!nobody)(`with CAP_NET_ADMIN alone, its processes come live from the proc connector${nobody ? '' : ' (skipped: needs root and setpriv)'}`, async () => {
    const tag = `kw17-top-${randomUUID().slice(0, 8)}`;
    start(`setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin node ${kwire} top --interval 0.3`);
    const s0 = await sees('kwire top — live (proc connector)');
    expect(s0).toContain('no BPF: this process lacks CAP_BPF and CAP_PERFMON');
    let last = 0;
    await waitFor(`the screen to show ${tag}`, () => {
      if (screen().includes(tag)) return true;
      if (Date.now() - last > 1000) {
        last = Date.now();
        spawnSync('sh', ['-c', 'exit 6', tag]);
      }
      return false;
    }, 30_000);
    expect(screen()).toMatch(new RegExp(`code 6\\s+sh\\s+sh -c exit 6 ${tag}`));
    tmux('send-keys', '-t', 'top', 'q');
    await sees('EXITED 0');
  });

  it.skipIf(!canRunLive)(`as root, it shows live processes${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, async () => {
    const tag = `kw17-top-${randomUUID().slice(0, 8)}`;
    start(`node ${kwire} top --interval 0.3`);
    await sees('kwire top — live');
    // The sources attach after the first frame: run the workload until it shows (a run before they attached is not seen).
    let last = 0;
    await waitFor(`the screen to show ${tag}`, () => {
      if (screen().includes(tag)) return true;
      if (Date.now() - last > 1000) {
        last = Date.now();
        expect(spawnSync('sh', ['-c', 'exit 7', tag]).status).toBe(7);
      }
      return false;
    }, 30_000);
    const s = screen();
    expect(s).toMatch(new RegExp(`exit\\s+\\S+\\s+code 7\\s+sh\\s+sh -c exit 7 ${tag}`));
    tmux('send-keys', '-t', 'top', 's'); // by pid: pid 1 first, running since before kwire top, from the /proc scan
    expect(await sees('sort: pid')).toMatch(/^1\s+0\s+\S+\s+run\*/m);
    tmux('send-keys', '-t', 'top', 'q');
    await sees('EXITED 0');
  });
});
