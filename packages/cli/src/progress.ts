// One status line on stderr, redrawn in place on a terminal (at most every 200 ms), printed once
// at the end otherwise.
export class ProgressLine {
  private last = 0;
  private shown = false;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly force = false) {}

  /** Whether the line is on a terminal, drawn at least once. */
  get drawn(): boolean {
    return this.tty && this.shown;
  }

  update(text: string): void {
    if (!this.tty && !this.force) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.shown = true;
    process.stderr.write(this.tty ? `\r\x1b[K${text}` : `${text}\n`);
  }

  /** Clears the line (or, with text, leaves it as the final line). */
  done(text?: string): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
    if (text !== undefined) process.stderr.write(text + '\n');
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

export function bar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)}`;
}
