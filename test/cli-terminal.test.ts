// The kwire command line on a real terminal (tmux): Ctrl-C ends a live command with status 0 and a
// finished screen, as the help promises.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { openTerminal, tmuxSkipReason, type Terminal } from './helpers/tmux.js';

const skip = tmuxSkipReason ?? liveSkipReason;
const dir = mkdtempSync(join(tmpdir(), 'kw15-terminal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)(`kwire on a terminal${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let term: Terminal | undefined;
  afterEach(() => term?.close());

  it('./kwire exec: Ctrl-C exits 0 (one process: pnpm exec would exit 130 without waiting)', async () => {
    term = openTerminal(repoPath('.'));
    term.type('./kwire exec; echo "STATUS=$?"');
    await term.waitFor(/^TIME\s+PCOMM\s+PID/m);
    term.press('C-c');
    expect(await term.waitFor(/STATUS=\d+/)).toMatch(/^(\^C)?STATUS=0$/m);
  });

  it('kwire record: Ctrl-C replaces the progress line with its summary, and a newline', async () => {
    term = openTerminal(repoPath('.'));
    const file = join(dir, 'ctrl-c.kwcap');
    term.type(`./kwire record -o ${file} --sources exec; echo "STATUS=$?"`);
    await term.waitFor(/recording: \d+ records/);
    term.press('C-c');
    const screen = await term.waitFor(/STATUS=\d+/);
    expect(screen).toMatch(new RegExp(`^(\\^C)?record: exec → ${file}: chunks=\\d+ records=\\d+ bytes=\\d+ lost\\.kernel=0 lost\\.ring=0\\nSTATUS=0$`, 'm'));
  });

  it('an escape sequence in an argv shows as text, not as a color (issue 15, defect 5)', async () => {
    term = openTerminal(repoPath('.'));
    const tag = `kw15esc${Date.now()}`;
    term.type(`./kwire exec --comm '^true$'; echo "STATUS=$?"`);
    await term.waitFor(/^TIME\s+PCOMM\s+PID/m);
    const screen = await (async () => {
      for (let i = 0; i < 100; i++) {
        execFileSync('bash', ['-c', `/bin/true ${tag} $'\\e[31mred'`]);
        const text = term!.screen();
        if (text.includes(tag)) return text;
        await new Promise((r) => setTimeout(r, 100));
      }
      return term!.screen();
    })();
    term.press('C-c');
    expect(screen).toMatch(new RegExp(`/bin/true ${tag} \\\\x1b\\[31mred$`, 'm'));
    // and the terminal drew no color: tmux's own view of the cells, with their attributes
    const cells = execFileSync('tmux', ['-L', term.socket, 'capture-pane', '-p', '-e', '-t', 't'], { encoding: 'utf8' });
    expect(cells.split('\n').find((l) => l.includes(tag))).not.toMatch(/\x1b\[31m/);
  });
});
