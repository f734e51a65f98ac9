// Write the top talkers (bytes/s per destination address and port) to a file every 10 s.
// Run as root: node examples/top-talkers-to-file.mjs [FILE] [EVERY_SECONDS] [SECONDS]
//   (default: top-talkers.json, every 10 s, until Ctrl-C)
import { renameSync, writeFileSync } from 'node:fs';
import { flows, topTalkers } from 'kwire';

const [file = 'top-talkers.json', every = '10', seconds] = process.argv.slice(2);
const subscription = flows()
  .pipe(topTalkers({ by: ['dstAddr', 'dstPort', 'proto'], window: Number(every) * 1000, limit: 10 }))
  .subscribe((t) => {
    const rows = t.rows.map((r) => ({ ...r.key, bytesPerSecond: Math.round(r.bytesPerSecond), packetsPerSecond: Math.round(r.packetsPerSecond), bytes: r.bytes }));
    // Written beside it, then renamed over it: a reader never sees half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: new Date().toISOString(), seconds: (t.end - t.start) / 1000, top: rows }, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
  });
console.error(`writing the top talkers to ${file} every ${every} s (Ctrl-C to stop)`);

const stop = () => subscription.unsubscribe();
process.on('SIGINT', stop).on('SIGTERM', stop);
if (seconds) setTimeout(stop, Number(seconds) * 1000).unref();
