// Proc connector cycles for scripts/valgrind-addon.sh: the addon's socket (openProcConnector) read by an
// FdReader until a process's events arrive, IGNORE and close; arguments refused (EARG) in between.
import { spawnSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { jsRing } from './js-ring.mjs';

const addon = createRequire(import.meta.url)('@kwire/native');
const cycles = Number(process.argv[2] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (let i = 0; i < cycles; i++) {
  const fd = addon.openProcConnector({ rcvbuf: 1 << 20 });
  const ring = jsRing(1 << 16);
  let n = 0;
  const reader = addon.openFdReader(fd, ring.view, 4, () => ring.drain(() => n++), { framing: 'datagram', maxRecord: 1024 });
  for (let k = 0; k < 20 && n < 3; k++) {
    spawnSync('true');
    await sleep(50);
  }
  reader.close();
  addon.procConnectorControl(fd, 'ignore');
  closeSync(fd);
  if (n < 3) throw new Error(`proc connector: ${n} datagrams`);
  for (const bad of [() => addon.openProcConnector({ rcvbuf: -1 }), () => addon.procConnectorControl(fd, 'pause')]) {
    try {
      bad();
      throw new Error('accepted bad arguments');
    } catch (error) {
      if (error.code !== 'EARG') throw error;
    }
  }
}
globalThis.gc?.();
console.log(`valgrind-proc: ${cycles} cycles`);
