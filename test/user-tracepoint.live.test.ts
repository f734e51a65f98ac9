// A user's own program on a plain tracepoint, SEC("tp/syscalls/sys_enter_getppid"): libbpf attaches it
// through tracefs, which this machine does not mount. kwire mounts tracefs for the attachment (into an
// empty directory only) and unmounts what it mounted; libbpf's log stays quiet unless KWIRE_DEBUG=1,
// and a failure carries its last lines in the error's cause.
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACEFS_MAGIC, withTracefs } from '../packages/kwire/src/platform/tracefs.js';
import { compileBpf } from './helpers/clang.js';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'kw14-tracepoint-'));
const object = join(dir, 'user-tp.bpf.o');
const noSuch = join(dir, 'user-tp-nosuch.bpf.o');
const child = repoPath('test/helpers/user-tp-child.mjs');
const tracefsType = () => statfsSync('/sys/kernel/tracing').type;
const mountsOf = (path: string) => run('findmnt', ['-rn', '-o', 'FSTYPE', path]).then((r) => r.stdout.trim());

beforeAll(() => {
  compileBpf(repoPath('test/fixtures/user-tp.bpf.c'), object);
  compileBpf(repoPath('test/fixtures/user-tp.bpf.c'), noSuch, [], ['NO_SUCH']);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const userProgram = (file: string, env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [child, file], { cwd: repoPath('test'), env: { ...process.env, KWIRE_DEBUG: '', ...env } });

describe.skipIf(!canRunLive)(`a user's tp/ program, live${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('attaches on this machine as it is, delivers its events, prints nothing, and leaves tracefs as it found it', async () => {
    const before = { type: tracefsType(), mounts: await mountsOf('/sys/kernel/tracing') };
    const r = await userProgram(object);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { events?: number; pids?: number[]; error?: unknown };
    expect(out.error).toBeUndefined();
    expect(out.events).toBeGreaterThanOrEqual(10);
    expect(out.pids).toHaveLength(1);
    expect({ type: tracefsType(), mounts: await mountsOf('/sys/kernel/tracing') }).toEqual(before);
  });

  it("a failing attach: one line naming the program, libbpf's last lines in its cause, nothing on stderr", async () => {
    const r = await userProgram(noSuch);
    expect(r.stderr).toBe('');
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string; libbpfLog: string | null } };
    expect(error.code).toBe('ENATIVE');
    expect(error.message).toMatch(/attach kw_test_getppid \(tp\/syscalls\/sys_enter_kw_no_such\).*libbpf's log: in this error's cause\.libbpfLog; KWIRE_DEBUG=1 prints it/);
    expect(error.message).not.toContain('\n');
    expect(error.libbpfLog).toMatch(/^libbpf: .*sys_enter_kw_no_such/m);
  });

  it('KWIRE_DEBUG=1 prints libbpf\'s log on stderr as it comes', async () => {
    const r = await userProgram(noSuch, { KWIRE_DEBUG: '1' });
    expect(r.stderr).toMatch(/^libbpf: .*sys_enter_kw_no_such/m);
  });
});

describe.skipIf(!canRunLive)(`tracefs for tp/ programs${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  const paths = (name: string) => ({ debugfsTracing: join(dir, name, 'no-debugfs'), tracefs: join(dir, name, 'tracing') });

  it('mounts tracefs into an empty directory for the attachment and unmounts it after', async () => {
    const p = paths('empty');
    mkdirSync(p.tracefs, { recursive: true });
    const seen = withTracefs('test', () => statfsSync(p.tracefs).type, p);
    expect(seen).toBe(TRACEFS_MAGIC);
    expect(statfsSync(p.tracefs).type).not.toBe(TRACEFS_MAGIC);
    expect(await mountsOf(p.tracefs)).toBe('');
  });

  it('unmounts it when the attachment throws too', () => {
    const p = paths('throws');
    mkdirSync(p.tracefs, { recursive: true });
    expect(() => withTracefs('test', () => {
      throw new Error('attach failed');
    }, p)).toThrow('attach failed');
    expect(statfsSync(p.tracefs).type).not.toBe(TRACEFS_MAGIC);
  });

  it('never mounts over a directory that is not empty: ENO_TRACEFS names tracefs and the way out', () => {
    const p = paths('full');
    mkdirSync(p.tracefs, { recursive: true });
    writeFileSync(join(p.tracefs, 'keep'), 'x');
    let attached = false;
    expect(() => withTracefs('tracing getppid', () => (attached = true), p)).toThrow(
      expect.objectContaining({
        code: 'ENO_TRACEFS',
        message: expect.stringMatching(/^tracing getppid: a tp\/ program needs tracefs, which is not mounted, and .*tracing is not empty .*: mount it \(mount -t tracefs tracefs .*\), or declare the program SEC\("tp_btf\/<event>"\)/),
      }),
    );
    expect(attached).toBe(false);
  });

  it('leaves an existing tracefs alone', () => {
    const p = paths('mounted');
    mkdirSync(p.tracefs, { recursive: true });
    withTracefs('outer', () => {
      const inner = withTracefs('inner', () => statfsSync(p.tracefs).type, p);
      expect(inner).toBe(TRACEFS_MAGIC);
      expect(statfsSync(p.tracefs).type).toBe(TRACEFS_MAGIC); // the inner call did not unmount the outer's
    }, p);
  });
});
