// MessagePack events (kwire's EventEncoder/EventDecoder, @msgpack/msgpack with uint64 bigints) against
// JSON lines (JSON.stringify with bigints as decimal strings, as --json writes; JSON.parse) of the
// same decoded exec events and flow-like events.
// Run: cd bench && pnpm exec tsx msgpack.bench.ts
import { EventDecoder, EventEncoder, execDecoder, FrameDecoder, SourceId } from 'kwire';
import { encodeExec } from '../test/reference/exec.js';
import { concat, frame } from '../test/reference/frames.js';
import { measure } from './lib/measure.js';
import { report } from './lib/report.js';

const N = 2048;
const execEvents = new FrameDecoder(execDecoder, N)
  .decode(
    concat(
      Array.from({ length: N }, (_, i) =>
        frame(SourceId.exec, encodeExec({ ts: 1_000_000_000_000n + BigInt(i), cgroupId: 4242n, pid: 1000 + i, ppid: 999, uid: 1000, gid: 1000, pidns: 4026531836, flags: 0, comm: 'node', filename: '/usr/bin/node', argv: ['node', '/srv/app/server.js', '--port', String(8000 + (i % 100))] })),
      ),
    ),
  )
  .batches.flatMap((b) => [...b]);
const flowEvents = Array.from({ length: N }, (_, i) => ({
  type: 'flow', start: 1_700_000_000_000_000_000n + BigInt(i), ts: 2n ** 60n + BigInt(i), flowId: 0x9e3779b9 ^ i, connmark: 0, srcAddr: `10.0.${i >> 8}.${i & 255}`, dstAddr: '10.0.0.1',
  srcPort: 40000 + (i % 20000), dstPort: 443, proto: 6, netns: 4026531992, packetsOrig: BigInt(i), bytesOrig: BigInt(i) * 1500n, packetsRet: BigInt(i), bytesRet: BigInt(i) * 900n, kind: 'update',
}));

const jsonLine = (e: object) => JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
const encoder = new EventEncoder();
const decoder = new EventDecoder();
const cases = [];
const sizes: string[] = [];
for (const [kind, events] of [['exec', execEvents], ['flow', flowEvents]] as const) {
  const json = events.map(jsonLine).join('\n');
  const mp = encoder.encodeAll(events);
  sizes.push(`${kind}: ${(mp.length / N).toFixed(0)} bytes/event as MessagePack, ${(Buffer.byteLength(json) / N).toFixed(0)} as JSON lines.`);
  cases.push(
    measure(`${kind} json-stringify`, N, () => events.map(jsonLine).join('\n')),
    measure(`${kind} msgpack-encode`, N, () => encoder.encodeAll(events)),
    measure(`${kind} json-parse`, N, () => json.split('\n').map((l) => JSON.parse(l))),
    measure(`${kind} msgpack-decode`, N, () => [...decoder.decodeAll(mp)]),
  );
}
const md = report('msgpack', `MessagePack vs JSON lines, ${N} decoded events per round`, 'exec json-stringify', cases, [
  ...sizes,
  'JSON turns bigints into decimal strings (a reader must know which fields to turn back); MessagePack keeps them uint64.',
  'The machine was shared with other jobs while this ran.',
]);
console.log(md);
