// Bad arguments to the public API: each is refused with a KwireError of a stable code whose message
// names the function, the option and what it accepts — never a TypeError from deep inside, and never
// silently accepted. Table-driven; the few checks that need the kernel run live.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, type Observable } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BPF_FS_MAGIC, defineDecoder, defineLayout, EXIT_STORE_DIR, EventEncoder, execs, execEvents, exitDecoder, exitEvents, exits, ExitStore, flows, isKwireError, layoutFromBtf,
  liveRawSources, loadgen, memorySink, record, replay, source, bytesToIp, ipToBytes, procs, procEvents, procRaw, procLivePids, findDeletedProcesses, etw, topTalkers, processes, trackProcesses, ProcessTable, health, Enricher, newFlows, longLivedFlows, type KwireErrorCode,
} from 'kwire';
import { compileKind, defineKind, fdProducer } from 'kwire/gen';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { kwProgramIds } from './helpers/kw-programs.js';
import { createNetnsPair } from './helpers/netns.js';
import { repoPath } from './helpers/repo.js';
import { waitFor } from './helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'kwire-api-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const capture = repoPath('fixtures/capture/host.kwcap');
const object = repoPath('bpf/.output/exit.bpf.o');
const notElf = join(dir, 'not-elf.o');
writeFileSync(notElf, 'hello\n');
const layout = { name: 'x', fields: [{ name: 'a', type: 'u32' }] } as const;

/** The error `call` throws (undefined if it returns). */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectKwireError(error: unknown, code: KwireErrorCode, message: RegExp): void {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name, String(error)).not.toMatch(/^(TypeError|RangeError|SyntaxError)$/);
  expect(isKwireError(error, code), String(error)).toBe(true);
  expect((error as Error).message).toMatch(message);
}

// A call that must throw at once (before anything is loaded), with the message it must give.
const sync: [string, () => unknown, RegExp][] = [
  ['execs(null)', () => execs(null as never), /execs\(\): options must be an object, got null/],
  ["execs('x')", () => execs('x' as never), /execs\(\): options must be an object, got 'x'/],
  ["execs({ transport: 'pigeon' })", () => execs({ transport: 'pigeon' as never }), /transport must be 'auto', 'ringbuf' or 'perf', got 'pigeon'/],
  ['execs({ pidns: -1 })', () => execs({ pidns: -1 }), /pidns must be a pid namespace inode/],
  ['execs({ uid: -1 })', () => execs({ uid: -1 }), /^execs\(\): uid must be an integer in 0\.\./],
  ['exits({ pid: 0 })', () => exits({ pid: 0 }), /^exits\(\): pid must be an integer in 1\.\./],
  ["execs({ cgroup: '/tmp' })", () => execs({ cgroup: '/tmp' }), /^execs\(\): cgroup: \/tmp is not a cgroup v2 directory/],
  ["execs({ argv: 'both' })", () => execs({ argv: 'both' as never }), /^execs\(\): argv must be 'caller' or 'exec', got 'both'/],
  ["execs({ argv: 'exec', failed: true })", () => execs({ argv: 'exec', failed: true }), /^execs\(\): failed needs argv 'caller'/],
  ["execs({ failed: 'yes' })", () => execs({ failed: 'yes' as never }), /^execs\(\): failed must be/],
  // issue 15, defect 10: a misspelt option is refused, not ignored
  ['exec({ pdins: 5 })', () => execs({ pdins: 5 } as never), /^execs\(\): unknown option 'pdins' \(the options: pidns, /],
  ['exitEvents({ thread: true })', () => exitEvents({ thread: true } as never), /^exits\(\): unknown option 'thread' \(the options: .*threads/],
  ["flows({ modes: 'all' })", () => flows({ modes: 'all' } as never), /^flows\(\): unknown option 'modes'/],
  ["flows({ attach: { cgroups: 'x' } })", () => flows({ attach: { cgroups: 'x' } } as never), /^flows\(\): attach: unknown option 'cgroups' \(the options: cgroup, tc\)/],
  ["replay(capture, { order: 'random' })", () => replay(capture, { order: 'random' as never }), /^replay\(\): order must be 'time' or 'capture', got 'random'/],
  ['replay(capture, { reorderWindow: 5 })', () => replay(capture, { reorderWindow: 5 as never }), /^replay\(\): reorderWindow must be a non-negative bigint/],
  ['loadgen({ counts: 1 })', () => loadgen({ counts: 1 } as never), /^loadgen\(\): unknown option 'counts'/],
  ['execs({ ringCapacity: 3 })', () => execs({ ringCapacity: 3 }), /ringCapacity must be a power of two from 4096 to 2\^30, got 3/],
  ["execs({ wake: 'x' })", () => execs({ wake: 'x' as never }), /execs\(\): wake must be 'adaptive', 'thread' or 'js', got 'x'/],
  ['exits({ latencyBoundMs: -1 })', () => exits({ latencyBoundMs: -1 }), /exits\(\): latencyBoundMs must be an integer in 0..60000, got -1/],
  ['execs({ batchSize: 0 })', () => execs({ batchSize: 0 }), /batchSize must be an integer/],
  ['execs({ perf: null })', () => execs({ perf: null as never }), /perf must be an object, got null/],
  ['execs({ perf: { pageCount: 3 } })', () => execs({ transport: 'perf', perf: { pageCount: 3 } }), /perf.pageCount must be a power of two/],
  ['execs({ perf: { wakeupEvents: 0 } })', () => execs({ transport: 'perf', perf: { wakeupEvents: 0 } }), /perf.wakeupEvents must be an integer in 1\.\./],
  ['execEvents({ pidns: NaN })', () => execEvents({ pidns: NaN }), /pidns must be a pid namespace inode/],
  ['exits(null)', () => exits(null as never), /exits\(\): options must be an object/],
  ["exits({ threads: 'yes' })", () => exits({ threads: 'yes' as never }), /threads must be true or false, got 'yes'/],
  ["exits({ transport: 'x' })", () => exits({ transport: 'x' as never }), /transport must be/],
  ['exits({ ringCapacity: 5 })', () => exits({ ringCapacity: 5 }), /ringCapacity must be a power of two/],
  ["exitEvents({ pidns: 'x' })", () => exitEvents({ pidns: 'x' as never }), /pidns must be a pid namespace inode/],
  ['flows(null)', () => flows(null as never), /flows\(\): options must be an object/],
  ["flows({ mode: 'x' })", () => flows({ mode: 'x' as never }), /mode must be 'update', 'destroy' or 'all', got 'x'/],
  ['flows({ curve: [null, null, null] })', () => flows({ curve: [null, null, null] as never }), /curve\[0\] must be an object, got null/],
  ['flows({ curve: [{}, …] })', () => flows({ curve: [{}, { age: 1, rate: 1 }, { age: 2, rate: 2 }] as never }), /curve\[0\]\.age must be a number of milliseconds/],
  ['flows({ curve: two points })', () => flows({ curve: [{ age: 0, rate: 1 }, { age: 1, rate: 1 }] as never }), /curve must have three points/],
  ['flows({ idleTimeout: -1 })', () => flows({ idleTimeout: -1 }), /idleTimeout must be a number of milliseconds in 0\.\./],
  ['flows({ idleTimeout: 1e30 })', () => flows({ idleTimeout: 1e30 }), /idleTimeout must be a number of milliseconds in 0\.\./],
  ['flows({ maxQueue: -1 })', () => flows({ maxQueue: -1 }), /maxQueue must be an integer in 0\.\./],
  ["flows({ maxQueue: 'x' })", () => flows({ maxQueue: 'x' as never }), /maxQueue must be an integer in 0\.\./],
  ['flows({ tableSize: 0 })', () => flows({ tableSize: 0 }), /tableSize must be an integer/],
  ['flows({ ringCapacity: 3 })', () => flows({ ringCapacity: 3 }), /ringCapacity must be a power of two/],
  ['flows({ attach: null })', () => flows({ attach: null as never }), /attach must be an object, got null/],
  ["flows({ attach: { tc: 'eth0' } })", () => flows({ attach: { tc: 'eth0' as never } }), /attach\.tc must be an array of interface names/],
  ['flows({ attach: { tc: [5] } })', () => flows({ attach: { tc: [5 as never] } }), /attach\.tc must be an array of interface names/],
  ["flows({ attach: { tc: [''] } })", () => flows({ attach: { tc: [''] } }), /attach\.tc must be an array of interface names/],
  ['flows({ attach: { cgroup: 5 } })', () => flows({ attach: { cgroup: 5 as never } }), /attach\.cgroup must be a cgroup v2 directory path or null/],
  ["flows({ attach: { cgroup: '' } })", () => flows({ attach: { cgroup: '' } }), /attach\.cgroup must be a cgroup v2 directory path or null/],
  ['procs(null)', () => procs(null as never), /procs\(\): options must be an object, got null/],
  ['procs({ rcvbuf: -1 })', () => procs({ rcvbuf: -1 }), /procs\(\): rcvbuf must be an integer in 0\.\.2\^30, got -1/],
  ['procs({ ringCapacity: 3 })', () => procs({ ringCapacity: 3 }), /procs\(\): ringCapacity must be a power of two/],
  ['procRaw({ batchSize: 0 })', () => procRaw({ batchSize: 0 }), /procRaw\(\): batchSize must be an integer/],
  ["procEvents({ events: ['nope'] })", () => procEvents({ events: ['nope' as never] }), /procEvents\(\): events must be a list of ack, fork, exec, .*, got \["nope"\]/],
  ["procEvents({ events: 'exec' })", () => procEvents({ events: 'exec' as never }), /procEvents\(\): events must be a list of/],
  ['procEvents({ pidns: -1 })', () => procEvents({ pidns: -1 }), /procEvents\(\): pidns must be an integer in 0\.\./],
  ["procEvents({ threads: 'yes' })", () => procEvents({ threads: 'yes' as never }), /procEvents\(\): threads must be true or false, got 'yes'/],
  ['procEvents({ scan: 1 })', () => procEvents({ scan: 1 as never }), /procEvents\(\): scan must be true or false/],
  ['procEvents({ rcvbuf: 2^31 })', () => procEvents({ rcvbuf: 2 ** 31 }), /procEvents\(\): rcvbuf must be an integer in 0\.\.2\^30/],
  ['findDeletedProcesses(5)', () => findDeletedProcesses(5 as never), /findDeletedProcesses\(\): pids must be a Map keyed by pid or an iterable of pids, got number/],
  ["findDeletedProcesses(['1'])", () => findDeletedProcesses(['1' as never]), /findDeletedProcesses\(\): pids must be positive integers, got 1/],
  ["procEvents({ names: 'sh' })", () => procEvents({ names: 'sh' as never }), /procEvents\(\): names must be a list of non-empty strings or RegExps, got 'sh'/],
  ["procEvents({ names: [''] })", () => procEvents({ names: [''] }), /procEvents\(\): names must be a list of non-empty strings or RegExps, got \[""\]/],
  ['procLivePids(null)', () => procLivePids(null as never), /procLivePids\(\): options must be an object, got null/],
  ['etw.live(null)', () => etw.live(null as never), /etw\.live\(\): options must be an object, got null/],
  ["etw.live({ classes: ['disk'] })", () => etw.live({ classes: ['disk' as never] }), /etw\.live\(\): classes\[\] must be 'process', .* or 'registry', got 'disk'/],
  ['etw.live({ classes: [] })', () => etw.live({ classes: [] }), /classes must be a non-empty array/],
  ['etw.live({ buffers: { maximum: 1 } })', () => etw.live({ buffers: { maximum: 1 } }), /buffers\.maximum must be an integer in 2\.\./],
  ['etw.live({ buffers: { flushSeconds: 0 } })', () => etw.live({ buffers: { flushSeconds: 0 } }), /buffers\.flushSeconds must be an integer in 1\.\./],
  ["etw.live({ session: 'x' })", () => etw.live({ session: 'x' as never }), /session must be 'auto', 'kernel-logger' or 'private', got 'x'/],
  ["etw.live({ sessionName: '' })", () => etw.live({ sessionName: '' }), /sessionName must be a non-empty string/],
  ["etw.live({ rundown: 'no' })", () => etw.live({ rundown: 'no' as never }), /rundown must be true or false/],
  ['etw.live({ ringCapacity: 3 })', () => etw.live({ ringCapacity: 3 }), /etw\.live\(\): ringCapacity must be a power of two/],
  ["loadgen({ transport: 'x' })", () => loadgen({ transport: 'x' as never }), /loadgen\(\): transport must be/],
  ['loadgen(null)', () => loadgen(null as never), /loadgen\(\): options must be an object/],
  ["loadgen({ wake: 'x' })", () => loadgen({ wake: 'x' as never }), /loadgen\(\): wake must be 'adaptive', 'thread' or 'js', got 'x'/],
  ['replay()', () => replay(undefined as never), /replay\(\): input must be a capture file path, a Uint8Array or an async iterable/],
  ['replay(5)', () => replay(5 as never), /replay\(\): input must be/],
  ["replay('')", () => replay(''), /replay\(\): input must be/],
  ['replay(file, null)', () => replay(capture, null as never), /replay\(\): options must be an object/],
  ['replay(file, { speed: -1 })', () => replay(capture, { speed: -1 }), /speed must be a positive number/],
  ["replay(file, { speed: 'fast' })", () => replay(capture, { speed: 'fast' as never }), /speed must be a positive number/],
  ["replay(file, { sources: 'exec' })", () => replay(capture, { sources: 'exec' as never }), /sources must be an array of non-empty strings/],
  ["replay(file, { sources: ['nope'] })", () => replay(capture, { sources: ['nope'] }), /unknown source 'nope' \(known: exec, exit, flow, proc\)/],
  ['replay(file, { batchSize: 0 })', () => replay(capture, { batchSize: 0 }), /batchSize must be an integer/],
  ["replay(file, { onIssue: 'x' })", () => replay(capture, { onIssue: 'x' as never }), /onIssue must be a function/],
  ["replay(file).events('nope')", () => replay(capture).events('nope'), /no source 'nope' in this replay/],
  ["replay(file, { sources: ['exec'] }).batches('exit')", () => replay(capture, { sources: ['exec'] }).batches('exit'), /no source 'exit' in this replay \(its sources: exec\)/],
  ['record(null, sink)', () => record(null as never, memorySink()), /record\(\): frames must be an Observable/],
  ['record(frames)', () => record({}, undefined as never), /record\(\): sink must be a file path/],
  ["record(frames, sink, { append: 'y' })", () => record({}, memorySink(), { append: 'y' as never }), /append must be true or false/],
  ["liveRawSources('exec')", () => liveRawSources('exec' as never), /names must be an array of non-empty strings, got 'exec'/],
  ["liveRawSources(['nope'])", () => liveRawSources(['nope']), /no capture source named 'nope'/],
  ['defineLayout()', () => defineLayout(undefined as never), /defineLayout\(\): the spec must be an object/],
  ["defineLayout({ name: 'x' })", () => defineLayout({ name: 'x' } as never), /layout x: fields must be an array/],
  ['defineLayout({ fields: [null] })', () => defineLayout({ name: 'x', fields: [null as never] }), /each field must be an object/],
  ["defineLayout({ fields: [{ name: 'a' }] })", () => defineLayout({ name: 'x', fields: [{ name: 'a' } as never] }), /field a: type must be a type name/],
  ["defineLayout({ type: 'u33' })", () => defineLayout({ name: 'x', fields: [{ name: 'a', type: 'u33' as never }] }), /field a: unknown type u33/],
  ['layoutFromBtf()', () => layoutFromBtf(undefined as never, 'x'), /layoutFromBtf\(\): object must be a path to a BPF object or its bytes/],
  ['layoutFromBtf(missing file)', () => layoutFromBtf(join(dir, 'nope.o'), 'x'), /BPF object .*nope\.o: no such file/],
  ['layoutFromBtf(directory)', () => layoutFromBtf(dir, 'x'), /is a directory, not a file/],
  ['layoutFromBtf(not ELF)', () => layoutFromBtf(notElf, 'x'), /not-elf\.o is not an ELF file \(want a BPF object/],
  ['layoutFromBtf(no such struct)', () => layoutFromBtf(object, 'nope'), /no struct nope in the BTF of .*\(its structs: bpftool btf dump file/],
  ['layoutFromBtf(struct undefined)', () => layoutFromBtf(object, undefined as never), /struct must be a non-empty string/],
  ['layoutFromBtf({ as: unknown member })', () => layoutFromBtf(object, 'exit_event', { as: { nope: 'ip4' } }), /as: struct exit_event has no member nope \(its members: /],
  ['layoutFromBtf({ as: unknown type })', () => layoutFromBtf(object, 'exit_event', { as: { pid: 'ip9' as never } }), /field pid: unknown type ip9/],
  ['layoutFromBtf({ tailSize } without a tail)', () => layoutFromBtf(object, 'exit_event', { tailSize: 'pid' }), /tailSize: struct exit_event has no flexible array member/],
  ['source()', () => source(undefined as never), /source\(\): needs options \{ object, map, decoder \}/],
  ['source({})', () => source({} as never), /source\(\): needs options { object: a path, map: a name, decoder }/],
  ["source({ decoder: 'x' })", () => source({ object, map: 'events', decoder: 'x' as never }), /decoder must be a RecordDecoder/],
  ['source({ latencyBoundMs: 1.5 })', () => source({ object, map: 'events', decoder: exitDecoder, latencyBoundMs: 1.5 }), /source\(\): latencyBoundMs must be an integer in 0..60000, got 1.5/],
  ['ExitStore.ensureRunning(5)', () => ExitStore.ensureRunning(5 as never), /bpffsRoot must be a non-empty string/],
  ['ExitStore.remove(undefined)', () => ExitStore.remove(undefined as never), /bpffsRoot must be a non-empty string/],
  ["new EventEncoder({ addresses: 'x' })", () => new EventEncoder({ addresses: 'x' as never }), /addresses must be 'string' or 'bytes'/],
  ['bytesToIp(3 bytes)', () => bytesToIp(Uint8Array.of(1, 2, 3)), /bytesToIp\(\): an IP address has 4 or 16 bytes, not 3/],
  ["bytesToIp(4 bytes, 0, 'ip6')", () => bytesToIp(Uint8Array.of(1, 2, 3, 4), 0, 'ip6'), /bytesToIp\(\): an IP address has 4 or 16 bytes, not 4/],
  ["bytesToIp(16 bytes, 0, 'ip5')", () => bytesToIp(new Uint8Array(16), 0, 'ip5' as never), /bytesToIp\(\): kind must be 'ip4', 'ip6' or 'ip'/],
  ["ipToBytes('10.0.0')", () => ipToBytes('10.0.0'), /ipToBytes\(\): not an IP address: '10\.0\.0'/],
  ['defineKind(null)', () => defineKind(null as never), /defineKind\(\): the declaration must be an object/],
  ["defineKind({ name: 'Toy' })", () => defineKind({ ...kindSpec, name: 'Toy' }), /defineKind\(\): kind Toy: the name must be a lowerCamel identifier/],
  ['defineKind({ sourceId: 0 })', () => defineKind({ ...kindSpec, sourceId: 0 }), /kind toy: sourceId must be a u16 above 0, got 0/],
  ['defineKind({ layoutVersion: 0 })', () => defineKind({ ...kindSpec, layoutVersion: 0 }), /kind toy: layoutVersion must be a positive integer/],
  ["defineKind({ time: 'a' })", () => defineKind({ ...kindSpec, time: 'a' }), /kind toy: time must name a u64 field of the layout, got a/],
  ["defineKind({ layout: { name: 'other' } })", () => defineKind({ ...kindSpec, layout: { ...kindSpec.layout, name: 'other' } }), /kind toy: the layout's name must be the kind's name, got other/],
  ["defineKind({ open: 'x' })", () => defineKind({ ...kindSpec, open: 'x' as never }), /kind toy: open must be a function/],
  ['fdProducer()', () => fdProducer(undefined as never), /fdProducer\(\): needs a spec/],
  ['fdProducer({ input: -1 })', () => fdProducer({ what: 'x', input: -1 }), /fdProducer\(\): input must be a file path or an open fd/],
  ["fdProducer({ framing: 'lines' })", () => fdProducer({ what: 'x', input: 0, framing: 'lines' as never }), /fdProducer\(\): framing must be 'datagram' or 'u32le', got 'lines'/],
  ['fdProducer({ maxRecord: 0 })', () => fdProducer({ what: 'x', input: 0, maxRecord: 0 }), /fdProducer\(\): maxRecord must be an integer in 1\.\./],
  ['etw.fromEtl(42)', () => etw.fromEtl(42 as never), /etw\.fromEtl\(\): input must be a path, a Uint8Array or an async iterable of bytes/],
  ["etw.fromEtl(f, 'x')", () => etw.fromEtl('t.etl', 'x' as never), /etw\.fromEtl\(\): options must be an object, got 'x'/],
  ['etw.fromEtl({ ringCapacity: 4096 })', () => etw.fromEtl('t.etl', { ringCapacity: 4096 }), /etw\.fromEtl\(\): ringCapacity must be a power of two between 256 KiB and 1 GiB, got 4096/],
  ['etw.fromEtl({ batchSize: 0 })', () => etw.fromEtl('t.etl', { batchSize: 0 }), /etw\.fromEtl\(\): batchSize must be an integer/],
  ['etw.fromEtl({ chunkSize: 1 })', () => etw.fromEtl('t.etl', { chunkSize: 1 }), /etw\.fromEtl\(\): chunkSize must be an integer in 4096\.\./],
  ["etw.fromEtl({ onProgress: 'x' })", () => etw.fromEtl('t.etl', { onProgress: 'x' as never }), /etw\.fromEtl\(\): onProgress must be a function, got string/],
  ['etw.fromEtl({ filter: null })', () => etw.fromEtl('t.etl', { filter: null as never }), /etw\.fromEtl\(\): filter must be an object \{ classes, opcodes, pids \}, got null/],
  ["etw.fromEtl({ filter: { classes: ['Nope'] } })", () => etw.fromEtl('t.etl', { filter: { classes: ['Nope'] } }), /etw\.fromEtl\(\): filter\.classes: unknown class "Nope"; known: EventTrace, /],
  ['etw.fromEtl({ filter: { pids: [-1] } })', () => etw.fromEtl('t.etl', { filter: { pids: [-1] } }), /etw\.fromEtl\(\): filter\.pids\[\] must be an integer/],
  ["etw.fromEtl({ filter: { pid: 4 } })", () => etw.fromEtl('t.etl', { filter: { pid: 4 } as never }), /etw\.fromEtl\(\): filter\.pid is not an option; use classes, opcodes or pids/],
  ['etw.fromEtlRaw({ filter })', () => etw.fromEtlRaw('t.etl', { filter: {} } as never), /etw\.fromEtlRaw\(\): filter: raw frames are not filtered/],
  ["etw.decoder({ opcodes: 'x' })", () => etw.decoder({ opcodes: 'x' as never }), /etw\.decoder\(\): filter\.opcodes must be an array, got string/],
  ["topTalkers({ by: ['x', 1] })", () => topTalkers({ by: ['x', 1] as never }), /topTalkers\(\): by must be an array of non-empty strings/],
  ['topTalkers({ window: 0 })', () => topTalkers({ window: 0 }), /window must be a positive integer of milliseconds, got 0/],
  ['topTalkers({ limit: 0 })', () => topTalkers({ limit: 0 }), /limit must be an integer in 1\.\./],
  ['topTalkers({ maxKeys: 0 })', () => topTalkers({ maxKeys: 0 }), /maxKeys must be an integer in 1\.\./],
  ['topTalkers({ maxFlows: 2.5 })', () => topTalkers({ maxFlows: 2.5 }), /maxFlows must be an integer in 1\.\./],
  ["topTalkers({ time: 'wall' })", () => topTalkers({ time: 'wall' as never }), /time must be 'scheduler' or 'records', got 'wall'/],
  ['topTalkers({ idleSteps: -1 })', () => topTalkers({ idleSteps: -1 }), /idleSteps must be an integer in 0\.\./],
  ["processes({ source: 'ebpf' })", () => processes({ source: 'ebpf' as never }), /processes\(\): source must be 'auto', 'bpf' or 'proc', got 'ebpf'/],
  ["processes({ scan: 'yes' })", () => processes({ scan: 'yes' as never }), /scan must be true or false/],
  ['processes({ events: [] })', () => processes({ events: [] as never }), /events must be an Observable/],
  ['processes({ maxProcesses: 0 })', () => processes({ maxProcesses: 0 }), /maxProcesses must be an integer in 1\.\./],
  ['trackProcesses({ reorderWindow: -1 })', () => trackProcesses({ reorderWindow: -1 }), /trackProcesses\(\): reorderWindow must be an integer in 0\.\./],
  ['trackProcesses({ table: {} })', () => trackProcesses({ table: {} as never }), /table must be a ProcessTable/],
  ['new ProcessTable({ maxEnded: -1 })', () => new ProcessTable({ maxEnded: -1 }), /maxEnded must be an integer in 0\.\./],
  ['health(null)', () => health(null as never), /health\(\): sources must be an object, got null/],
  ['health({ x: {} })', () => health({ x: {} as never }), /sources\.x must have a stats\(\) method/],
  ['health({}, { interval: 0 })', () => health({}, { interval: 0 }), /interval must be an integer in 1\.\./],
  ['new Enricher({ ttl: 0 })', () => new Enricher({ ttl: 0 }), /new Enricher\(\): ttl must be an integer in 1\.\./],
  ['new Enricher({ maxEntries: 0 })', () => new Enricher({ maxEntries: 0 }), /maxEntries must be an integer in 1\.\./],
  ['newFlows({ maxFlows: 0 })', () => newFlows({ maxFlows: 0 }), /newFlows\(\): maxFlows must be an integer in 1\.\./],
  ['longLivedFlows({ age: -1 })', () => longLivedFlows({ age: -1 }), /longLivedFlows\(\): age must be an integer in 0\.\./],
];

const kindSpec = {
  name: 'toy', sourceId: 0x7001, layoutVersion: 1, time: 'ts',
  layout: { name: 'toy', fields: [{ name: 'ts', type: 'u64' as const }, { name: 'a', type: 'u32' as const }] },
  doc: { summary: 'x', example: 'x' },
};

describe('the API refuses bad arguments with EINVAL_ARGUMENT', () => {
  it.each(sync)('%s', (_name, call, message) => {
    expectKwireError(thrown(call), 'EINVAL_ARGUMENT', message);
  });

  it.each([
    ['defineDecoder()', () => defineDecoder(undefined as never), /defineDecoder\(\): layout must be a Layout/],
    ["defineDecoder('x')", () => defineDecoder('x' as never), /defineDecoder\(\): layout must be a Layout/],
    ['defineDecoder({})', () => defineDecoder({} as never), /the name must be an identifier/],
    ['defineDecoder(spec, { sourceId: 0 })', () => defineDecoder(layout as never, { sourceId: 0 }), /sourceId must be an integer in 1\.\.65535, got 0/],
    ['defineDecoder(spec, { sourceId: 70000 })', () => defineDecoder(layout as never, { sourceId: 70000 }), /sourceId must be an integer in 1\.\.65535/],
    ['defineDecoder(spec, null)', () => defineDecoder(layout as never, null as never), /options must be an object, got null/],
    ['compileKind({})', () => compileKind({} as never), /compileKind\(\): kind must be a declaration from defineKind\(\), got object/],
  ] as const)('%s rejects', async (_name, call, message) => {
    const error = await call().then(() => undefined, (e: unknown) => e);
    expectKwireError(error, 'EINVAL_ARGUMENT', message);
  });
});

/** The error an Observable ends with on subscription (undefined if it emits or completes first). */
const errorOf = (o: Observable<unknown>) => firstValueFrom(o).then(() => undefined, (e: unknown) => e);

describe('file inputs are named in the error, on subscription', () => {
  it.each([
    ['a missing capture', () => replay(join(dir, 'nope.kwcap')), 'EINVAL_ARGUMENT', /replay\(\): capture .*nope\.kwcap: no such file/],
    ['a directory', () => replay(dir), 'EINVAL_ARGUMENT', /replay\(\): capture .* is a directory, not a file/],
    ['a file that is not a capture', () => replay(notElf), 'ECAPTURE_FORMAT', /not-elf\.o is not a kwire capture/],
  ] as const)('replay of %s', async (_name, open, code, message) => {
    expectKwireError(await errorOf(open()), code, message);
  });

  it('record --append to a file that is not a capture refuses it and leaves it as it was', async () => {
    const file = join(dir, 'text.kwcap');
    writeFileSync(file, 'hello\n');
    const error = await errorOf(record({}, file, { append: true }));
    expectKwireError(error, 'ECAPTURE_FORMAT', /cannot append to .*text\.kwcap: it is not a kwire capture/);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
  });
});

describe.skipIf(!canRunLive)(`bad attach targets, live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it.each([
    ['tc on a missing interface', { attach: { tc: ['kwnope0'] } }, /attach\.tc: no network interface 'kwnope0' in this network namespace \(list them: ip -br link\)/],
    ['a missing cgroup', { attach: { cgroup: join(dir, 'nope') } }, /attach\.cgroup: .*nope: no such directory \(the cgroup v2 root here: /],
    ['a directory that is not a cgroup', { attach: { cgroup: dir } }, /attach\.cgroup: .* is not a cgroup v2 directory/],
  ] as const)('flows() with %s errors with EINVAL_ARGUMENT and leaves nothing loaded', async (_name, options, message) => {
    const before = new Set(kwProgramIds());
    expectKwireError(await errorOf(flows(options)), 'EINVAL_ARGUMENT', message);
    // The kernel frees a closed program a moment later (RCU): wait for that, no longer.
    await waitFor('the programs it loaded to be freed', () => kwProgramIds().every((id) => before.has(id)), 5000);
  });
});

describe.skipIf(!canRunLive)(`ExitStore methods, live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  const root = join(dir, 'bpffs');
  afterAll(() => {
    if (existsSync(join(root, EXIT_STORE_DIR))) ExitStore.remove(root);
    if (existsSync(root) && statfsSync(root).type === BPF_FS_MAGIC) execFileSync('umount', [root]);
  });

  it.each([
    ['trace(-1, { traceId })', (s: ExitStore) => s.trace(-1, { traceId: 1n }), /pid must be a positive integer, got -1/],
    ['trace(pid)', (s: ExitStore) => s.trace(process.pid, undefined as never), /trace\(\): the options { traceId } are required/],
    ['trace(pid, { traceId: 1 })', (s: ExitStore) => s.trace(process.pid, { traceId: 1 as never }), /traceId must be a u64 bigint \(e\.g\. 42n\), got the number 1/],
    ["trace(pid, { pidns: 'x' })", (s: ExitStore) => s.trace(process.pid, { traceId: 1n, pidns: 'x' as never }), /pidns must be a pid namespace inode/],
    ['getExited(42)', (s: ExitStore) => s.getExited(42 as never), /traceId must be a u64 bigint/],
    ["deleteExited('x')", (s: ExitStore) => s.deleteExited('x' as never), /traceId must be a u64 bigint/],
    ['exitedFromWaitStatus(1n, -3, 0)', (s: ExitStore) => s.exitedFromWaitStatus(1n, -3, 0), /pid must be a positive integer, got -3/],
    ['exitedFromWaitStatus(1n, pid, 1 << 20)', (s: ExitStore) => s.exitedFromWaitStatus(1n, process.pid, 1 << 20), /status must be a wait\(2\) status word/],
  ] as const)('%s', (_name, call, message) => {
    mkdirSync(root, { recursive: true });
    const store = ExitStore.ensureRunning(root);
    try {
      expectKwireError(thrown(() => call(store)), 'EINVAL_ARGUMENT', message);
    } finally {
      store.close();
    }
  });
});

describe.skipIf(!canRunLive)(`flows() with tc, live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('detaches its tc filters when the process calls process.exit() while subscribed (they would outlive it)', async () => {
    const pair = createNetnsPair();
    try {
      const before = new Set(kwProgramIds());
      const code = "import { flows } from 'kwire'; flows({ attach: { cgroup: null, tc: ['veth0'] } }).subscribe(); setTimeout(() => process.exit(0), 300);";
      pair.run(pair.a, process.execPath, ['--input-type=module', '-e', code]);
      expect(pair.run(pair.a, 'tc', ['qdisc', 'show', 'dev', 'veth0'])).not.toContain('clsact');
      await waitFor('the programs it loaded to be freed', () => kwProgramIds().every((id) => before.has(id)), 5000);
    } finally {
      pair.cleanup();
    }
  });
});
