// Run by test/fd-producer.test.ts through helpers/socketpair.py, which passes the two ends of a UNIX
// socketpair (SOCK_DGRAM or SOCK_SEQPACKET) as the last two arguments: Node cannot create one. Sends
// the datagrams of the spec (argv[2], JSON) on one end, reads the other with the addon's FdReader into
// a small shared ring (helpers/js-ring.mjs), and prints what arrived (length and fill byte of each
// payload) as JSON.
import { closeSync, readdirSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { jsRing } from './js-ring.mjs';

const addon = createRequire(import.meta.url)('@kwire/native');
const spec = JSON.parse(process.argv[2]);
const [sendFd, recvFd] = process.argv.slice(-2).map(Number);
const fdCount = () => readdirSync('/proc/self/fd').length;

const ring = jsRing(spec.capacity);
const got = [];
// A payload is one byte repeated (see `payload`).
const drain = () => ring.drain((bytes) => got.push({ len: bytes.length, fill: [...new Set(bytes)] }));
const counter = ring.counter;

const payload = (i, len) => Buffer.alloc(len, (i * 7 + 1) & 0xff); // what a test expects back
const fdsBefore = fdCount() - (spec.closePeer ? 1 : 0);
// A byte-stream framing on a datagram socket is refused.
let u32leError = null;
try {
  addon.openFdReader(recvFd, ring.view, 1, drain, { framing: 'u32le' }).close();
} catch (error) {
  u32leError = error.code;
}
const reader = addon.openFdReader(recvFd, ring.view, 1, drain, { paused: true, maxRecord: spec.maxRecord });
// Paused: every datagram is queued in the socket before the thread starts, so that its first pass
// meets a full shared ring whenever the datagrams add up to more than the ring holds.
spec.sizes.forEach((len, i) => writeSync(sendFd, payload(i, len)));
if (spec.closePeer) closeSync(sendFd);
reader.start();
const expected = spec.sizes.length;
const timer = setInterval(() => {
  drain();
  const stats = reader.stats();
  const done = spec.closePeer ? stats.ended : stats.records + counter(168) === expected;
  if (!done) return;
  drain();
  clearInterval(timer);
  const result = { got, stats, oversize: counter(168), kernelLost: counter(176), fullWaits: counter(152), u32leError };
  reader.close();
  reader.close();
  result.fdsBack = fdCount() === fdsBefore;
  process.stdout.write(JSON.stringify(result));
}, 5);
