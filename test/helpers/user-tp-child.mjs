// A user's program on a plain tracepoint, in a process of its own (so its test sees its stderr):
// loads OBJECT (test/fixtures/user-tp.bpf.c), calls getppid() until it has seen 10 of its own, and
// prints one JSON line: { events, pids } or { error: { code, message, libbpfLog } }.
// Usage: node user-tp-child.mjs OBJECT [CACHE_DIR] (default: kwire's decoder cache, keyed by the sources)
import { defineDecoder, layoutFromBtf, source, toEvents } from 'kwire';

const [object, cacheDir] = process.argv.slice(2);
const decoder = await defineDecoder(layoutFromBtf(object, 'getppid_event'), cacheDir ? { cacheDir } : {});
const target = new Uint8Array(4);
new DataView(target.buffer).setUint32(0, process.pid, true);
const seen = [];
let failed;
const subscription = source({ object, map: 'events', decoder, globals: { target_tgid: target } })
  .pipe(toEvents())
  .subscribe({ next: (e) => seen.push(e), error: (e) => (failed = e) });
for (let i = 0; i < 500 && !failed && seen.length < 10; i++) {
  void process.ppid; // a getppid() each time
  await new Promise((r) => setTimeout(r, 10));
}
subscription.unsubscribe();
console.log(JSON.stringify(failed
  ? { error: { code: failed.code, message: failed.message, libbpfLog: failed.cause?.libbpfLog ?? null } }
  : { events: seen.length, pids: [...new Set(seen.map((e) => e.pid))] }));
