// FdReader cycles for scripts/valgrind-addon.sh: a u32le file read to its end through a small ring
// (back-pressure, carry-over, a truncated last record), a FIFO reader closed while it waits, a reader
// opened paused and closed, then an exit with one reader still open (the env cleanup hook closes it).
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { jsRing } from './js-ring.mjs';

const addon = createRequire(import.meta.url)('@kwire/native');
const cycles = Number(process.argv[2] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const file = `/tmp/kwire-valgrind-fd-${process.pid}`;
const records = Array.from({ length: 400 }, (_, i) => {
  const b = Buffer.alloc(4 + (i * 37) % 1500, i & 0xff);
  b.writeUInt32LE(b.length - 4);
  return b;
});
writeFileSync(file, Buffer.concat([...records, Buffer.from([9, 0, 0, 0, 1])]));

for (let i = 0; i < cycles; i++) {
  const fd = openSync(file, 'r');
  const ring = jsRing(4096);
  let n = 0;
  const stats = await new Promise((resolve) => {
    const reader = addon.openFdReader(fd, ring.view, 1, () => {
      ring.drain(() => n++);
      const s = reader.stats();
      if (!s.ended) return;
      ring.drain(() => n++);
      reader.close();
      resolve(s);
    });
  });
  closeSync(fd);
  if (n !== records.length || stats.lost !== 1) throw new Error(`file: ${n} records, lost ${stats.lost}`);

  const fifo = `${file}.fifo`;
  execFileSync('mkfifo', [fifo]);
  const r = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const w = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  unlinkSync(fifo);
  const pipeRing = jsRing(4096);
  let m = 0;
  const reader = addon.openFdReader(r, pipeRing.view, 1, () => pipeRing.drain(() => m++));
  writeSync(w, Buffer.concat(records.slice(0, 3)));
  for (let t = 0; m < 3 && t < 600; t++) await sleep(20);
  reader.close(); // waiting in epoll for more
  reader.close();
  addon.openFdReader(r, jsRing(4096).view, 1, () => {}, { paused: true }).close();
  closeSync(r);
  closeSync(w);
  if (m !== 3) throw new Error(`fifo: ${m} records`);
}
globalThis.gc?.();
await sleep(100);
globalThis.gc?.();
process.stdout.write(`valgrind-fd: ${cycles} cycles over a file and a FIFO\n`);
const last = openSync(file, 'r');
unlinkSync(file);
addon.openFdReader(last, jsRing(4096).view, 1, () => {}, { paused: true });
process.exit(0);
