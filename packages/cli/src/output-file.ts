// -o FILE: a live command's output into a file for long unattended runs: appended to, rotated by size
// (--rotate SIZE: FILE becomes FILE.1, FILE.1 FILE.2 …, KEEP files kept), and reopened on SIGUSR1
// (logrotate's `postrotate kill -USR1`), as daemons do.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync } from 'node:fs';
import { setOutputTarget } from './output.js';
import { UsageError } from './usage-error.js';

/** Rotated files kept beside FILE (FILE.1 … FILE.5). */
export const KEEP = 5;

/** --rotate's SIZE: bytes, or with a k/M/G suffix (powers of 1024). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text);
  const n = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!(n >= 4096) || !Number.isFinite(n)) throw new UsageError(`--rotate wants a size of at least 4k, e.g. 100M, got '${text}'`);
  return Math.floor(n);
}

/** Sends the command's output to `path` (until the process ends); returns the function that stops it. */
export function outputToFile(path: string, rotateBytes: number | undefined): () => void {
  let fd = openSync(path, 'a');
  let size = fstatSync(fd).size;
  const reopen = () => {
    const old = fd;
    fd = openSync(path, 'a');
    size = fstatSync(fd).size;
    closeSync(old);
  };
  const rotate = () => {
    rmSync(`${path}.${KEEP}`, { force: true });
    for (let i = KEEP - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    renameSync(path, `${path}.1`);
    reopen();
  };
  setOutputTarget({
    get fd() {
      return fd;
    },
    wrote(bytes) {
      size += bytes;
      if (rotateBytes !== undefined && size >= rotateBytes) rotate();
    },
  });
  process.on('SIGUSR1', reopen);
  return () => {
    process.off('SIGUSR1', reopen);
    setOutputTarget({ fd: 1, wrote: () => {} });
    closeSync(fd);
  };
}
