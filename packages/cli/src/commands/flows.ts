// kwire flows: live flow records (packets and bytes each way), like conntracct's consumers.
import { parseArgs } from 'node:util';
import { Observable } from 'rxjs';
import { flows, type FlowBatch, type FlowMode } from 'kwire';
import { commonHelp, commonOptions, parseCommon } from '../common-options.js';
import { eventWriter } from '../event-writer.js';
import { writeOut } from '../output.js';
import { runSource } from '../run-source.js';
import { shapes, tables } from '../tables.js';
import { UsageError } from '../usage-error.js';

export const flowsHelp = `kwire flows — per-flow packet and byte accounting, live (like conntracct)

Usage: kwire flows [--mode update|destroy|all] [options]

Columns: KIND, PROTO, SRC, DST (address:port), PKTS/BYTES in the original direction (that of the
first packet seen) and in return, AGE (seconds since the flow's first packet).

Flow options:
  --mode MODE            update, destroy or all (default: all)
  --curve A:R,A:R,A:R    update curve, ages and rates in seconds (default: 0:20,60:60,300:300)
  --cgroup PATH          cgroup v2 directory to count on (default: the cgroup v2 root); 'none' for none
  --tc IF[,IF...]        also count on these interfaces with tc (both directions)
  --idle-timeout S       destroy a non-TCP flow idle this long (default: 30)
  --netns INODE          only flows of this network namespace (see: stat -L -c %i /proc/PID/ns/net)

${commonHelp.replace(/\n  --pidns [^\n]*/, '')}

Transport: a BPF ring buffer only, not selectable: destroy records of idle flows are written by a
BPF timer callback, which has no context for a perf event output.
Needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or root).
Examples:
  kwire flows --mode destroy --duration 10
  kwire flows --json --curve 0:1,10:5,60:30 | jq 'select(.proto == 6)'`;

function parseCurve(text: string) {
  const points = text.split(',').map((p) => p.split(':').map(Number));
  if (points.length !== 3 || points.some((p) => p.length !== 2 || p.some((n) => !(n! >= 0)))) {
    throw new UsageError(`--curve wants three AGE:RATE points in seconds, got '${text}'`);
  }
  return points.map(([age, rate]) => ({ age: age! * 1000, rate: rate! * 1000 })) as [{ age: number; rate: number }, { age: number; rate: number }, { age: number; rate: number }];
}

export async function flowsCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { ...commonOptions, mode: { type: 'string', default: 'all' }, curve: { type: 'string' }, cgroup: { type: 'string' }, tc: { type: 'string' }, 'idle-timeout': { type: 'string' }, netns: { type: 'string' } },
    strict: true,
  });
  if (values.help) {
    writeOut(flowsHelp + '\n');
    return;
  }
  const options = parseCommon(values);
  if (options.pidns !== undefined) throw new UsageError('--pidns: flows are not per process; --netns INODE selects a network namespace');
  const mode = values.mode as FlowMode;
  if (!['update', 'destroy', 'all'].includes(mode)) throw new UsageError(`--mode wants update, destroy or all, got '${values.mode}'`);
  const idle = values['idle-timeout'] === undefined ? 30 : Number(values['idle-timeout']);
  if (!(idle > 0)) throw new UsageError(`--idle-timeout wants a positive number of seconds, got '${values['idle-timeout']}'`);
  const netns = values.netns === undefined ? undefined : Number(values.netns);
  if (netns !== undefined && !(Number.isInteger(netns) && netns > 0)) throw new UsageError(`--netns wants a network namespace inode, got '${values.netns}'`);
  const consumer = flows({
    mode,
    idleTimeout: idle * 1000,
    ...(values.curve ? { curve: parseCurve(values.curve) } : {}),
    attach: { ...(values.cgroup ? { cgroup: values.cgroup === 'none' ? null : values.cgroup } : {}), tc: values.tc ? values.tc.split(',') : [] },
  });
  const source = Object.assign(new Observable<FlowBatch>((s) => consumer.subscribe(s)), { stats: () => consumer.stats().probe });
  const writer = eventWriter(options, tables, shapes);
  await runSource('flows', source, options, {
    onAttached: () => writer.start('flows'),
    onBatch: (batch) => writer.batch('flows', netns === undefined ? batch : [...batch].filter((e) => e.netns === netns)),
  });
  if (options.stats) {
    const { consumer: c, probe: p } = consumer.stats();
    process.stderr.write(`flows consumer: received=${c.received} lost=${c.lost} queueLength=${c.queueLength}; probe: packets=${p.packets} records=${p.records} bytes=${p.bytes} kernelDrops.update=${p.kernelDrops.update} kernelDrops.destroy=${p.kernelDrops.destroy} tableFull=${p.tableFull}\n`);
  }
}
