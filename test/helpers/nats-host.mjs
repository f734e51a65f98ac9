// A simulated host for the NATS tests: real loadgen records (a BPF generator, one CPU, tag = host
// number) through natsSink to the server. Prints one JSON line at the end: what it generated (seq runs
// per cpu), the loadgen and sink counters.
// Usage: node nats-host.mjs '{"servers":…,"host":…,"count":…,"rate":…,"sink":{…}}'
import { loadgen } from 'kwire';
import { natsSink } from '@kwire/nats';
import { tap } from 'rxjs';

const args = JSON.parse(process.argv[2]);
const sink = natsSink({ servers: args.servers, host: args.host, ...(args.sink ?? {}) });
const source = loadgen({ count: args.count, ratePerSecond: args.rate ?? 0, ...(args.rate ? { chunk: 64 } : {}), cpu: 0, tag: args.tag ?? 1, batchSize: args.batchSize ?? 4096 });
const seqs = [];
let maxInFlight = 0;
await new Promise((resolve, reject) => {
  source.pipe(
    tap((batch) => { for (let i = 0; i < batch.length; i++) seqs.push(Number(batch.seq[i])); }),
    sink,
    tap(() => (maxInFlight = Math.max(maxInFlight, sink.stats().inFlight))),
  ).subscribe({ complete: resolve, error: reject });
});
process.stdout.write(`${JSON.stringify({ host: args.host, seqs, loadgen: source.stats(), sink: sink.stats(), maxInFlight })}\n`);
