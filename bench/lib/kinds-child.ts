// kinds.bench.ts's child: one tree's kwire (its built dist) measured in a fresh process, so the two
// trees' code never shares a JIT or a heap. Decode cases: frames already in WASM memory decoded in
// place; decoded and copied out as the owned batch a subscriber gets; every event materialised.
// Drain: a pre-filled kernel ring (loadgen) drained to the subscriber.
// Usage: tsx lib/kinds-child.ts TREE decode|drain
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeExec } from '../../test/reference/exec.js';
import { encodeExit } from '../../test/reference/exit.js';
import { encodeFlow, ipv4 } from '../../test/reference/flow.js';
import { concat, frame } from '../../test/reference/frames.js';
import { encodeLoadgen } from '../../test/reference/loadgen.js';
import { measure } from './measure.js';

const [tree, what] = process.argv.slice(2) as [string, string];
const dist = join(tree, 'packages/kwire/dist');
const load = async (...paths: string[]) => import(pathToFileURL(join(dist, paths.find((p) => existsSync(join(dist, p)))!)).href);
const kwire = await load('index.js');
const RECORDS = 4096;

// Source ids are the same before and after: 1 exec, 2 exit, 3 flow, 5 loadgen.
const argv = ['/usr/bin/git', 'git', 'status', '--porcelain'];
const inputs: Record<string, Uint8Array> = {
  exec: concat(Array.from({ length: RECORDS }, (_, i) => frame(1, encodeExec({ ts: BigInt(i), cgroupId: 7n, pid: 1000 + i, ppid: 999, uid: 0, gid: 0, pidns: 4026531836, flags: 0, comm: 'git', filename: argv[0]!, argv: argv.slice(1) })))),
  exit: concat(Array.from({ length: RECORDS }, (_, i) => frame(2, encodeExit({ startTime: BigInt(i), exitTime: 2n, cgroupId: 3n, pidnsDev: 4n, pid: i, tid: i, ppid: 1, status: 0, pidns: 5, flags: 1, comm: 'git' })))),
  flow: concat(Array.from({ length: RECORDS }, (_, i) => frame(3, encodeFlow({
    start: BigInt(i), ts: 2n, cookie: BigInt(i % 512), srcAddr: ipv4(10, 0, (i >> 8) & 255, i & 255), dstAddr: ipv4(10, 1, 0, 1), packetsOrig: 3n, bytesOrig: 4n, packetsRet: 5n, bytesRet: 6n,
    connmark: 0, netns: 7, srcPort: 30000 + i, dstPort: 443, proto: 6, kind: 1,
  })))),
  loadgen: concat(Array.from({ length: RECORDS }, (_, i) => frame(5, encodeLoadgen({ seq: BigInt(i), ts: 1n, cpu: 0, tag: 7 })))),
};

const out: Record<string, number> = {};
if (what === 'decode') {
  const { instantiateDecoders } = await load('pipeline/decoders.js', 'decoders.js');
  for (const kind of Object.keys(inputs)) {
    const decoder = kwire[`${kind}Decoder`];
    const d = instantiateDecoders();
    decoder.init(d, RECORDS);
    const frames = inputs[kind]!;
    const input = d.exports.alloc(frames.length);
    d.bytes().set(frames, input);
    const decode = () => {
      d.exports.cursorLinear(input, frames.length);
      const n = decoder.decode(d);
      if (n !== RECORDS) throw new Error(`${kind}: decoded ${n} of ${RECORDS}`);
      return n;
    };
    out[`${kind} in place`] = measure('', RECORDS, decode).nsPerRecord;
    out[`${kind} owned batch`] = measure('', RECORDS, () => decoder.batch(d, decode())).nsPerRecord;
    const batch = decoder.batch(d, decode());
    out[`${kind} events`] = measure('', RECORDS, () => {
      let last;
      for (let i = 0; i < batch.length; i++) last = batch.get(i);
      return last;
    }).nsPerRecord;
  }
} else {
  for (const transport of ['ringbuf', 'perf']) {
    const source = kwire.loadgen({ transport, cpu: 0, count: 500_000, prefill: true, kernelRingBytes: 64 << 20, ringCapacity: 64 << 20, batchSize: 8192, perf: { wakeupEvents: 64 } });
    let received = 0;
    await new Promise<void>((resolve, reject) => source.subscribe({ next: (b: { length: number }) => (received += b.length), complete: resolve, error: reject }));
    const s = source.stats();
    out[`${transport} drain`] = (s.settleNs / 1e9 / received) * 1e9; // ns per record
  }
}
console.log(JSON.stringify(out));
