// Log every new outbound connection with the process that made it and its container (or cgroup).
// Run as root: node examples/outbound-connections.mjs [SECONDS]   (default: until Ctrl-C)
import { Enricher, flows, newFlows } from 'kwire';

const enricher = new Enricher();
const proto = { 6: 'tcp', 17: 'udp' };
const subscription = flows({ mode: 'all' })
  .pipe(newFlows())
  .subscribe((f) => {
    if (!proto[f.proto]) return;
    // The first record of a flow is its originator's: the source address and port are ours.
    const owner = enricher.socket(f.proto, f.srcAddr, f.srcPort);
    const cgroup = owner?.cgroupId ? enricher.cgroup(owner.cgroupId) : undefined;
    const where = cgroup?.container ? `${cgroup.container.runtime} ${cgroup.container.id.slice(0, 12)}` : cgroup?.path ?? owner?.cgroupPath ?? '?';
    console.log(`${proto[f.proto]} ${f.srcAddr}:${f.srcPort} -> ${f.dstAddr}:${f.dstPort} pid ${owner?.pid ?? '?'} ${owner?.comm ?? '?'} ${enricher.exe(owner?.pid ?? 0) ?? ''} cgroup ${where}`);
  });
console.error('watching new connections (Ctrl-C to stop)');

const stop = () => {
  subscription.unsubscribe();
  const { socket } = enricher.stats();
  console.error(`socket lookups: ${socket.loads} found, ${socket.misses} not found (closed before the lookup, or another network namespace)`);
};
process.on('SIGINT', stop).on('SIGTERM', stop);
if (process.argv[2]) setTimeout(stop, Number(process.argv[2]) * 1000).unref();
