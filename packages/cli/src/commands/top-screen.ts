// The terminal for kwire top: the alternate screen, raw keys, resize, and frames drawn without
// flicker (cursor home, every line overwritten and cleared to its end, one write per frame, never a
// clear screen). stop() restores the terminal whatever happened.
import { writeSync } from 'node:fs';

const ESC = '\x1b[';

export interface Screen {
  readonly columns: number;
  readonly rows: number;
  draw(lines: readonly string[]): void;
  stop(): void;
}

/** Text cut or padded to `width` columns (the views write ASCII and short Unicode; one column each). */
export function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? chars.slice(0, width).join('') : text + ' '.repeat(width - chars.length);
}

/**
 * Takes over the terminal: keys go to `onKey` (raw: 'q', '\x03' for Ctrl-C, '\t'…), a resize calls
 * `onResize`. Throws when stdin or stdout is not a terminal.
 */
export function startScreen(onKey: (key: string) => void, onResize: () => void): Screen {
  const { stdin, stdout } = process;
  let stopped = false;
  const write = (s: string) => {
    try {
      writeSync(1, s);
    } catch {
      /* the terminal went away: nothing to draw on */
    }
  };
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  const keys = (data: string) => {
    for (const key of data.startsWith(ESC) ? [data] : [...data]) onKey(key);
  };
  stdin.on('data', keys);
  stdout.on('resize', onResize);
  write(`${ESC}?1049h${ESC}?25l${ESC}H${ESC}2J`); // alternate screen, cursor hidden, cleared once
  const screen: Screen = {
    get columns() {
      return stdout.columns || 80;
    },
    get rows() {
      return stdout.rows || 24;
    },
    draw(lines) {
      if (stopped) return;
      const rows = screen.rows;
      const width = screen.columns;
      const out: string[] = [`${ESC}H`];
      for (let i = 0; i < rows; i++) {
        const line = lines[i];
        if (line === undefined) {
          out.push(`${ESC}J`); // everything below is empty
          break;
        }
        // Reverse video for a line marked with a leading \x00 (the header rows).
        const text = line.startsWith('\x00') ? `${ESC}7m${fit(line.slice(1), width)}${ESC}0m` : fit(line, width);
        out.push(text, i < rows - 1 ? `${ESC}K\r\n` : `${ESC}K`);
      }
      write(out.join(''));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      stdin.off('data', keys);
      stdout.off('resize', onResize);
      try {
        stdin.setRawMode(false);
      } catch {
        /* stdin closed */
      }
      stdin.pause();
      write(`${ESC}0m${ESC}?25h${ESC}?1049l`); // attributes reset, cursor shown, main screen back
    },
  };
  return screen;
}
