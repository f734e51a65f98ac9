// First process of the exit-store test: pins the store under argv[2], starts two detached targets,
// traces them under trace ids 1001 and 1002, prints their pids and start ticks as JSON, and exits.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ExitStore } from 'kwire';

const store = ExitStore.ensureRunning(process.argv[2]);
const start = (command, args) => {
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
};
const killed = start('sleep', ['1000']);
const exiting = start('sh', ['-c', 'sleep 0.5; exit 3']);
store.trace(killed, { traceId: 1001n });
store.trace(exiting, { traceId: 1002n });
// starttime (field 22 of /proc/PID/stat): clock ticks after boot
const ticks = (pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1].trim().split(' ')[19]);
process.stdout.write(JSON.stringify({ killed, exiting, killedStart: ticks(killed), traced: String(store.getTracingTask(killed)?.traceId) }));
store.close();
