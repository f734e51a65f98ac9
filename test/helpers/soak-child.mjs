// A process that attaches live sources and then ends while they are attached (test/soak-exit.live.test.ts).
// Usage: node soak-child.mjs MODE [tc-interface]
//   exit   process.exit(0) from inside a next() callback, sources attached
//   early  process.exit(0) right after subscribing, before the kernel delivered anything
//   throw  a next() callback throws, uncaught: the process dies of it
//   wait   waits to be killed (SIGTERM, SIGKILL)
// Prints one line first: {"ids": [program ids this process holds]}. With a tc interface, flows also
// count on it with tc programs (filters the kernel keeps until someone removes them).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { execs, exits, flows } from 'kwire';

const [mode, tc] = process.argv.slice(2);

function heldProgramIds() {
  const ids = new Set();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^prog_id:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return [...ids];
}
const report = () => process.stdout.write(JSON.stringify({ ids: heldProgramIds() }) + '\n');

exits({ transport: 'perf' }).subscribe();
flows(tc ? { attach: { cgroup: null, tc: [tc] } } : {}).subscribe();
let first = true;
execs({ transport: 'ringbuf' }).subscribe(() => {
  if (!first) return;
  first = false;
  report();
  if (mode === 'exit') process.exit(0);
  if (mode === 'throw') throw new Error('consumer failed');
  if (mode === 'wait') setInterval(() => {}, 1000);
});
if (mode === 'early') {
  report();
  process.exit(0);
}
// Execs until the first batch arrived.
const poke = setInterval(() => (first ? spawn('/bin/true', { stdio: 'ignore' }) : clearInterval(poke)), 10);
