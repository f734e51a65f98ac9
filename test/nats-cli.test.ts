// kwire exec|exit|flows --nats URL and kwire replay nats://…: usage errors, and a live round trip
// through a real nats-server (exec events published by one command, read back by another).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { natsServerMissing, startNatsServer, type NatsServer } from './helpers/nats-server.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const bin = repoPath('packages/cli/bin/kwire.js');
const kwire = (...args: string[]) => run(process.execPath, [bin, ...args]);
const missing = natsServerMissing() ?? liveSkipReason;

describe('usage errors: exit status 2, one line', () => {
  it.each([
    [['exec', '--nats', 'http://x:1'], /--nats wants a server URL such as nats:\/\/127\.0\.0\.1:4222, got 'http:\/\/x:1'/],
    [['exit', '--stream', 'S'], /--stream is for --nats URL/],
    [['flows', '--subject-prefix', 'p'], /--subject-prefix is for --nats URL/],
    [['exec', '--nats', 'nats://x:1', '--json'], /--nats publishes the events instead of printing them/],
    [['replay', 'nats://127.0.0.1:1/S?colour=red'], /unknown query key 'colour'/],
    [['replay', 'nats://127.0.0.1:1/S', '--nats', 'nats://x:1'], /--nats is for the live commands/],
  ])('kwire %j', async (args, message) => {
    const r = await kwire(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^[^\n]+\n$/);
    expect(r.stderr).toMatch(message);
  });

  it('names the server that does not answer [ENATS], exit status 1', async () => {
    const r = await kwire('replay', 'nats://127.0.0.1:21899/KWIRE');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kwire replay: cannot connect to nats:\/\/127\.0\.0\.1:21899: .*\[ENATS\]\n$/);
  });

  it('documents --nats in the live commands\' help and nats:// in replay\'s', async () => {
    expect((await kwire('exec', '--help')).stdout).toMatch(/--nats URL .*PREFIX\.HOST\.SOURCE/);
    expect((await kwire('replay', '--help')).stdout).toMatch(/kwire replay nats:\/\/HOST:PORT\/STREAM\[\?durable=NAME&since=TIME/);
  });
});

describe.skipIf(missing !== undefined)(`a round trip through nats-server${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('kwire exec --nats publishes what kwire replay nats:// prints, and a durable replay resumes', async () => {
    const publishing = run(process.execPath, [bin, 'exec', '--nats', server.url, '--stream', 'KW18CLI', '--subject-prefix', 'kw18', '--duration', '3', '--stats']);
    // A workload that outlasts the tracer's start: markers exec'd until the publisher ends.
    let stop = false;
    const markers = (async () => {
      for (let i = 0; !stop; i++) {
        await new Promise((r) => spawn('/bin/true', [`kw18-marker-${i}`]).once('exit', r));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const published = await publishing;
    stop = true;
    await markers;
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toBe(''); // published, not printed
    expect(published.stderr).toMatch(/nats: messages=\d+ acked=\d+ .*dropped\.queueFull=0 .*streamCreated/);
    const acked = Number(/ackedEvents=(\d+)/.exec(published.stderr)![1]);

    const url = `nats://127.0.0.1:${server.port}/KW18CLI?durable=kw18&follow=false`;
    const replayed = await kwire('replay', url, '--json', '--stats');
    expect(replayed.code, replayed.stderr).toBe(0);
    const events = replayed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; argv: string[] });
    expect(events.length).toBe(acked);
    expect(events.every((e) => e.type === 'exec')).toBe(true);
    expect(events.some((e) => e.argv.some((a) => a.startsWith('kw18-marker-')))).toBe(true);
    expect(replayed.stderr).toMatch(new RegExp(`records=${acked} `));

    const again = await kwire('replay', url, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(''); // the durable consumer acknowledged everything the first time
  });

  it('kwire proc --nats publishes the connector\'s events, which kwire replay nats:// prints', async () => {
    const publishing = run(process.execPath, [bin, 'proc', '--nats', server.url, '--stream', 'KW18PROC', '--subject-prefix', 'kw18p', '--duration', '3', '--stats']);
    let stop = false;
    const pids: number[] = [];
    const workload = (async () => {
      while (!stop) {
        const child = spawn('/bin/sh', ['-c', 'exit 3']);
        pids.push(child.pid!);
        await new Promise((r) => child.once('exit', r));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const published = await publishing;
    stop = true;
    await workload;
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr).toMatch(/nats: messages=\d+ acked=\d+ .*dropped\.queueFull=0 /);
    const replayed = await kwire('replay', `nats://127.0.0.1:${server.port}/KW18PROC?follow=false`, '--json');
    expect(replayed.code, replayed.stderr).toBe(0);
    const events = replayed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; pid: number; tgid: number; exitCode?: number });
    const exits = events.filter((e) => e.type === 'proc-exit' && e.pid === e.tgid && pids.includes(e.pid));
    expect(exits.length).toBeGreaterThan(0);
    expect(exits.every((e) => e.exitCode === 3)).toBe(true);
    expect((await kwire('proc', '--nats', server.url, '--scan')).stderr).toMatch(/--nats publishes every proc event unenriched: leave out --scan/);
  });
});
