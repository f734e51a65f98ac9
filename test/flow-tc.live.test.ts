// Live: flow accounting with tc on a named interface instead of cgroup_skb. kwire flows runs inside
// one of the test's namespaces (tc counts on that namespace's interfaces) with --cgroup none --tc veth0;
// a TCP transfer and UDP datagrams cross the veth; the destroy records' counters equal conntrack's.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { kwProgramIds } from './helpers/kw-programs.js';
import { conntrackList, createNetnsPair, type NetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';
import { validateJsonLines } from './helpers/json-schema.js';

const traffic = repoPath('test/helpers/traffic.py');
const kwire = repoPath('packages/cli/bin/kwire.js');

interface FlowJson {
  kind: string;
  proto: number;
  netns: number;
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  flowId: number;
  /** u64 counters: decimal strings, like every 64-bit value in JSON */
  packetsOrig: string;
  bytesOrig: string;
  packetsRet: string;
  bytesRet: string;
}

describe.skipIf(!canRunLive)(`flows with tc on an interface${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  let pair: NetnsPair;
  beforeAll(() => {
    pair = createNetnsPair();
  });
  afterAll(() => pair?.cleanup());

  it('counts a TCP transfer and UDP datagrams on veth0 exactly as conntrack does, and detaches on exit', async () => {
    const before = kwProgramIds();
    const tracer = pair.start(pair.a, process.execPath, [kwire, 'flows', '--json', '--mode', 'destroy', '--cgroup', 'none', '--tc', 'veth0', '--idle-timeout', '1', '--duration', '8']);
    let out = '';
    tracer.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    let err = '';
    tracer.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // tc attaches within the tracer's start; give it a moment before the traffic (the test checks
    // below that the transfer's first packet was seen: SYN counts are part of the totals).
    await new Promise((r) => setTimeout(r, 2000));

    const server = pair.start(pair.b, 'python3', [traffic, 'tcp-server', '5601', '120000']);
    await once(server.stdout!, 'data');
    expect(Number(pair.run(pair.a, 'python3', [traffic, 'tcp-client', pair.v4.b, '5601', '80000']))).toBe(120_000);
    const udp = pair.start(pair.b, 'python3', [traffic, 'udp-server', '5602', '3']);
    await once(udp.stdout!, 'data');
    pair.run(pair.a, 'python3', [traffic, 'udp-client', pair.v4.b, '5602', '100', '500', '1200']);
    const [code] = (await once(tracer, 'exit')) as [number];
    expect(code, err).toBe(0);

    const events = validateJsonLines(out) as unknown as FlowJson[];
    const nsA = pair.inode(pair.a);
    const conntrack = conntrackList(pair, pair.a);
    for (const [proto, port, name] of [[6, 5601, 'tcp'], [17, 5602, 'udp']] as const) {
      const e = events.find((x) => x.kind === 'destroy' && x.proto === proto && x.dstPort === port && x.netns === nsA);
      expect(e, `${name} destroy`).toBeDefined();
      const ct = conntrack.find((c) => c.proto === name && c.orig.dport === port);
      expect(ct, `${name} conntrack entry`).toBeDefined();
      expect([e!.packetsOrig, e!.bytesOrig, e!.packetsRet, e!.bytesRet].map(Number)).toEqual([ct!.orig.packets, ct!.orig.bytes, ct!.reply.packets, ct!.reply.bytes]);
      expect([e!.srcAddr, e!.dstAddr]).toEqual([pair.v4.a, pair.v4.b]);
    }
    // The tracer exited: its tc filters and programs are gone.
    await new Promise((r) => setTimeout(r, 200));
    expect(kwProgramIds().filter((id) => !before.includes(id))).toEqual([]);
    expect(pair.run(pair.a, 'tc', ['filter', 'show', 'dev', 'veth0', 'ingress'])).toBe('');
  });

  it('keeps a TCP connection reset by the application one flow on lo (issue 15, defect 2)', async () => {
    const port = 21500 + Math.floor(Math.random() * 99);
    const tracer = pair.start(pair.a, process.execPath, [kwire, 'flows', '--json', '--cgroup', 'none', '--tc', 'lo', '--duration', '5']);
    let out = '';
    tracer.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 2000));
    // accepts, leaves the data unread and closes: the kernel answers with a RST
    const server = pair.start(pair.a, 'python3', ['-c', `import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', ${port})); s.listen(1)
print('ready', flush=True)
c, _ = s.accept(); time.sleep(0.3); c.close(); s.close()`]);
    await once(server.stdout!, 'data');
    pair.run(pair.a, 'bash', ['-c', `echo hi >/dev/tcp/127.0.0.1/${port}; sleep 0.6`]);
    await once(tracer, 'exit');
    const mine = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FlowJson).filter((e) => e.proto === 6 && (e.dstPort === port || e.srcPort === port));
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((e) => e.flowId)).size, JSON.stringify(mine)).toBe(1);
    expect(mine.filter((e) => e.kind === 'destroy')).toHaveLength(1);
    expect(mine.at(-1)!.kind).toBe('destroy');
  });
});
