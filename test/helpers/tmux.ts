// A real terminal for CLI tests: a private tmux server (its own socket, named by issue and a random
// id) runs one shell; tests type into it, press keys (C-c) and read the screen. Skips need tmux.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export const tmuxSkipReason = ['/usr/bin/tmux', '/bin/tmux'].some(existsSync) ? undefined : 'tmux is not installed (scripts/setup.sh installs it)';

export interface Terminal {
  /** The tmux server's socket name (tmux -L SOCKET …). */
  readonly socket: string;
  /** Types `line` and Enter. */
  type(line: string): void;
  /** Presses a key as tmux names it ('C-c'). */
  press(key: string): void;
  /** The screen's text, trailing blank lines dropped. */
  screen(): string;
  /** Resolves once the screen matches `pattern` (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  close(): void;
}

export function openTerminal(cwd: string, width = 200, height = 50): Terminal {
  const socket = `kw15-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 't', '-x', String(width), '-y', String(height), '-c', cwd, 'env PS1="$ " bash --norc --noprofile');
  const socketPath = tmux('display-message', '-p', '-t', 't', '#{socket_path}').trim();
  const screen = () => tmux('capture-pane', '-p', '-t', 't', '-S', '-1000').replace(/\n+$/, '');
  return {
    socket,
    type: (line) => {
      tmux('send-keys', '-t', 't', '-l', line);
      tmux('send-keys', '-t', 't', 'Enter');
    },
    press: (key) => {
      tmux('send-keys', '-t', 't', key);
    },
    screen,
    async waitFor(pattern, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      rmSync(socketPath, { force: true }); // tmux leaves its socket file behind
    },
  };
}
