// kwire flows: live flow records (packets and bytes each way), like conntracct's consumers.
import { Observable } from 'rxjs';
import { bytesToIp, flows, ipToBytes, isKwireError, type FlowBatch, type FlowEvent, type FlowMode } from 'kwire';
import { commonHelpWithout, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { formatStats, writeOut } from '../output.js';
import { runSource } from '../run-source.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';
import { parseCommandLine } from '../parse.js';
import { warnIfNoNamespace } from '../namespace-check.js';

export const flowsHelp = `kwire flows — per-flow packet and byte accounting, live (like conntracct)

Usage: kwire flows [--mode update|destroy|all] [options]

Columns: KIND, PROTO, SRC, DST (address:port), PKTS/BYTES in the original direction (that of the
first packet seen) and in return, AGE (seconds since the flow's first packet).

Flow options:
  --mode MODE            update, destroy or all (default: all)
  --curve A:R,A:R,A:R    update curve, ages and rates in seconds (default: 0:20,60:60,300:300)
  --cgroup PATH          cgroup v2 directory to count on, 'none' for none (default: the cgroup v2 root)
  --tc IF[,IF...]        also count on these interfaces with tc, both directions (default: none)
  --idle-timeout S       destroy a non-TCP flow idle this long (default: 30)
  --netns INODE          only flows of this network namespace, e.g. $(stat -L -c %i /proc/PID/ns/net)
                         (default: all)
  --proto P              only this protocol: tcp, udp, icmp, icmp6, sctp or a number (default: all)
  --port N               only flows with this port at either end (default: all)
  --host ADDR            only flows with this address at either end, IPv4 or IPv6 (default: all)
  --mark N               only flows with this connmark (default: all)

${commonHelpWithout('pidns')}

Transport: a BPF ring buffer only, not selectable: destroy records of idle flows are written by a
BPF timer callback, which has no context for a perf event output.
Needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or root).
Examples:
  kwire flows --mode destroy --duration 10
  kwire flows --json --curve 0:1,10:5,60:30 | jq 'select(.proto == 6)'
  kwire flows --proto tcp --port 443 --host 10.0.0.5`;

/** Seconds the BPF side's u64 nanoseconds hold, with room. */
const MAX_SECONDS = 1.8e10;

function parseCurve(text: string) {
  const points = text.split(',').map((p) => p.split(':').map((n) => (n === '' ? NaN : Number(n))));
  if (points.length !== 3 || points.some((p) => p.length !== 2 || p.some((n) => !(n! >= 0 && n! <= MAX_SECONDS)))) {
    throw new UsageError(`--curve wants three AGE:RATE points in seconds, e.g. 0:20,60:60,300:300, got '${text}'`);
  }
  if (!(points[0]![0]! <= points[1]![0]! && points[1]![0]! <= points[2]![0]!)) throw new UsageError(`--curve: the ages must not decrease, got '${text}'`);
  return points.map(([age, rate]) => ({ age: age! * 1000, rate: rate! * 1000 })) as [{ age: number; rate: number }, { age: number; rate: number }, { age: number; rate: number }];
}

export async function flowsCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, { ...commonOptions, mode: { type: 'string', default: 'all' }, curve: { type: 'string' }, cgroup: { type: 'string' }, tc: { type: 'string' }, 'idle-timeout': { type: 'string' }, netns: { type: 'string' }, proto: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, mark: { type: 'string' } });
  if (values.help) {
    writeOut(flowsHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  if (options.pidns !== undefined) throw new UsageError('--pidns: flows are not per process; --netns INODE selects a network namespace');
  const mode = values.mode as FlowMode;
  if (!['update', 'destroy', 'all'].includes(mode)) throw new UsageError(`--mode wants update, destroy or all, got '${values.mode}'`);
  const idle = values['idle-timeout'] === undefined ? 30 : Number(values['idle-timeout']);
  if (!(idle > 0 && idle <= MAX_SECONDS)) throw new UsageError(`--idle-timeout wants a positive number of seconds (at most ${MAX_SECONDS}), got '${values['idle-timeout']}'`);
  const tc = values.tc?.split(',') ?? [];
  const badIf = tc.find((t) => !/^[^\s/]{1,15}$/.test(t));
  if (badIf !== undefined) throw new UsageError(`--tc wants interface names separated by commas (e.g. eth0,veth1), got '${values.tc}'`);
  const netns = values.netns === undefined ? undefined : Number(values.netns);
  if (netns !== undefined && !(Number.isInteger(netns) && netns > 0 && netns <= 0xffffffff)) throw new UsageError(`--netns wants a network namespace inode, got '${values.netns}'`);
  warnIfNoNamespace('flows', '--netns', 'net', netns);
  const wanted = flowFilter(values, netns);
  const consumer = flows({
    mode,
    idleTimeout: idle * 1000,
    ...(values.curve ? { curve: parseCurve(values.curve) } : {}),
    attach: { ...(values.cgroup ? { cgroup: values.cgroup === 'none' ? null : values.cgroup } : {}), tc },
  });
  const source = Object.assign(new Observable<FlowBatch>((s) => consumer.subscribe(s)), { stats: () => consumer.stats().probe });
  const writer = eventWriter(options, tables, shapes);
  if (options.nats) return (await import('../nats-publish.js')).publishSource('flow', source, options); // loads NATS only when asked
  await runSource('flows', source, { ...options, stats: false }, {
    onAttached: () => writer.start('flow'),
    onBatch: (batch) => writer.batch('flow', wanted ? [...batch].filter(wanted) : batch),
  }).catch((error: unknown) => {
    throw cliError(error);
  });
  if (options.stats) {
    // The probe's counters as every live command prints them, then the BPF side's and this consumer's.
    const { consumer: c, probe: p } = consumer.stats();
    const extra = `recordBytes=${p.recordBytes} packets=${p.packets} tableFull=${p.tableFull} kernelDrops.update=${p.kernelDrops.update} kernelDrops.destroy=${p.kernelDrops.destroy} consumer.received=${c.received} consumer.lost=${c.lost}`;
    process.stderr.write(formatStats('flows', p).replace(/\n$/, ` ${extra}\n`));
  }
}

/** The flows source's refusal of --tc or --cgroup, in the command line's words (a usage error). */
export function cliError(error: unknown): unknown {
  if (!isKwireError(error, 'EINVAL_ARGUMENT')) return error;
  const m = /^flows\(\): attach\.(tc|cgroup): (.*)$/.exec(error.message);
  return m ? new UsageError(`--${m[1]}: ${m[2]!.replace(/attach\.cgroup/g, '--cgroup').replace(/, or null for none$/, ", or 'none'")}`) : error;
}

const protoNumbers: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58, sctp: 132 };

/** --netns, --proto, --port, --host and --mark as one test of a flow event (undefined: every flow). */
function flowFilter(values: { proto?: string; port?: string; host?: string; mark?: string }, netns: number | undefined): ((e: FlowEvent) => boolean) | undefined {
  const proto = values.proto === undefined ? undefined : (protoNumbers[values.proto.toLowerCase()] ?? (/^\d+$/.test(values.proto) && Number(values.proto) < 256 ? Number(values.proto) : NaN));
  if (Number.isNaN(proto)) throw new UsageError(`--proto wants tcp, udp, icmp, icmp6, sctp or a protocol number, got '${values.proto}'`);
  const number = (name: 'port' | 'mark', max: number) => {
    const text = values[name];
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`--${name} wants a number in 0..${max}, got '${text}'`);
    return Number(text);
  };
  const port = number('port', 65535);
  const mark = number('mark', 0xffffffff);
  let host: string | undefined;
  if (values.host !== undefined) {
    try {
      host = bytesToIp(ipToBytes(values.host)); // the formatter events use: ::ffff:a.b.c.d, compressed IPv6
    } catch {
      throw new UsageError(`--host wants an IPv4 or IPv6 address, got '${values.host}'`);
    }
  }
  if (netns === undefined && proto === undefined && port === undefined && mark === undefined && host === undefined) return undefined;
  return (e) =>
    (netns === undefined || e.netns === netns) &&
    (proto === undefined || e.proto === proto) &&
    (port === undefined || e.srcPort === port || e.dstPort === port) &&
    (mark === undefined || e.connmark === mark) &&
    (host === undefined || e.srcAddr === host || e.dstAddr === host);
}
