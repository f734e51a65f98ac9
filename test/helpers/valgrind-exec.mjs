// A short exec run for scripts/valgrind-addon.sh: a few subscribe/unsubscribe cycles over both
// transports, each waiting for one record (odd cycles unsubscribe from inside next()), then an exit
// with one source still attached (the addon's env cleanup hook closes its reader).
import { spawn } from 'node:child_process';
import { execs } from 'kwire';

const cycles = Number(process.argv[2] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < cycles; i++) {
  for (const transport of ['ringbuf', 'perf']) {
    let n = 0;
    const sub = execs({ transport, ringCapacity: 1 << 16 }).subscribe(() => {
      n++;
      if (i % 2 === 1) sub.unsubscribe();
    });
    for (let t = 0; n === 0 && t < 600; t++) {
      spawn('/bin/true', { stdio: 'ignore' });
      await sleep(50);
    }
    sub.unsubscribe();
    if (n === 0) throw new Error(`no exec record over ${transport}`);
  }
}
// Collect what is garbage, so that memory a JS object owned is not reported as lost at exit.
globalThis.gc?.();
await sleep(100);
globalThis.gc?.();
process.stdout.write(`valgrind-exec: ${cycles} cycles over ringbuf and perf\n`);
execs({ transport: 'perf', ringCapacity: 1 << 16 }).subscribe();
process.exit(0);
