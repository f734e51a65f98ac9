// Run by test/fd-producer.test.ts through helpers/socketpair.py, which passes the two ends of a UNIX
// socketpair (SOCK_DGRAM or SOCK_SEQPACKET) as the last two arguments: Node cannot create one. Sends
// the datagrams of the spec (argv[2], JSON) on one end, reads the other with the addon's FdReader into
// a small shared ring, and prints what arrived (length and fill byte of each payload) as JSON. The ring is read here by a few lines of JS
// (frame: u32 length | u16 source | u16 flags | payload, padded to 8; a 0x8000 flag wraps).
import { closeSync, readdirSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const addon = createRequire(import.meta.url)('@kwire/native');
const spec = JSON.parse(process.argv[2]);
const [sendFd, recvFd] = process.argv.slice(-2).map(Number);
const fdCount = () => readdirSync('/proc/self/fd').length;

const HEADER = 256;
const sab = new SharedArrayBuffer(HEADER + spec.capacity);
const header = new DataView(sab, 0, HEADER);
header.setUint32(128, spec.capacity, true);
header.setUint32(132, 0x3152574b, true);
const words = new Int32Array(sab, 0, HEADER / 4);
const data = new Uint8Array(sab, HEADER);
const got = [];
const drain = () => {
  const produced = Atomics.load(words, 0) >>> 0;
  let at = Atomics.load(words, 16) >>> 0;
  while (at !== produced) {
    const i = at & (spec.capacity - 1);
    const frame = new DataView(sab, HEADER + i, 8);
    const len = frame.getUint32(0, true);
    if (frame.getUint16(6, true) & 0x8000) {
      at = (at + spec.capacity - i) >>> 0;
      continue;
    }
    const bytes = data.subarray(i + 8, i + 8 + len);
    got.push({ len, fill: [...new Set(bytes)] }); // a payload is one byte repeated (see `payload`)
    at = (at + ((8 + len + 7) & ~7)) >>> 0;
  }
  Atomics.store(words, 16, at | 0);
};
const counter = (offset) => Number(header.getBigUint64(offset, true));

const payload = (i, len) => Buffer.alloc(len, (i * 7 + 1) & 0xff); // what a test expects back
const fdsBefore = fdCount() - (spec.closePeer ? 1 : 0);
// A byte-stream framing on a datagram socket is refused.
let u32leError = null;
try {
  addon.openFdReader(recvFd, new Uint8Array(sab), 1, drain, { framing: 'u32le' }).close();
} catch (error) {
  u32leError = error.code;
}
const reader = addon.openFdReader(recvFd, new Uint8Array(sab), 1, drain, { paused: true, maxRecord: spec.maxRecord });
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
