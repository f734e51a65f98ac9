// Alert when a process exits non-zero: its command line, how it ended, how long it ran, its parent.
// Run as root: node examples/exit-alert.mjs [SECONDS]   (default: until Ctrl-C)
import { processes } from 'kwire';
import { filter } from 'rxjs';

const source = processes({ scan: true });
const subscription = source
  .pipe(filter(({ change, process: p }) => change === 'exit' && (p.exitCode !== 0 || p.signal !== 0)))
  .subscribe(({ process: p }) => {
    const how = p.signal ? `was killed by signal ${p.signal}` : `exited with code ${p.exitCode}`;
    const parent = source.table.get(p.ppid);
    const ms = Number(p.duration ?? 0n) / 1e6;
    console.log(`ALERT pid ${p.pid} [${p.argv.join(' ') || p.comm}] ${how} after ${ms.toFixed(1)} ms (parent ${p.ppid} ${parent?.comm ?? '?'})`);
  });
console.error('watching process exits (Ctrl-C to stop)');

const stop = () => subscription.unsubscribe();
process.on('SIGINT', stop).on('SIGTERM', stop);
if (process.argv[2]) setTimeout(stop, Number(process.argv[2]) * 1000).unref();
