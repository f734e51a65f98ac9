// etw.live() and `kwire etw` where Windows is not the platform: typed, documented, checking its options
// first and then refusing with NotSupportedError (the live session itself runs on Windows only: its
// pieces are tested here by etw-session, etw-session-native and etw-frame-native).
import { describe, expect, it } from 'vitest';
import { etw, isKwireError, NotSupportedError, type EtwBatch, type EtwLiveOptions, type KernelSource } from 'kwire';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const bin = repoPath('packages/cli/bin/kwire.js');
const kwire = (...args: string[]) => run(process.execPath, [bin, ...args]);

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.skipIf(process.platform === 'win32')('etw.live() where Windows is not the platform', () => {
  it('throws NotSupportedError (ENOTSUP_KERNEL, feature ETW), pointing at etw.fromEtl()', () => {
    const error = thrown(() => etw.live({ classes: ['process'] }));
    expect(error).toBeInstanceOf(NotSupportedError);
    expect(isKwireError(error, 'ENOTSUP_KERNEL')).toBe(true);
    expect((error as NotSupportedError).feature).toBe('ETW');
    expect((error as Error).message).toMatch(/^etw\.live\(\): live ETW tracing needs Windows \(this is \w+\); \.etl files decode anywhere with etw\.fromEtl\(\)$/);
    expect(thrown(() => etw.live())).toBeInstanceOf(NotSupportedError);
  });

  it.each([
    [{ classes: ['disk'] }, /classes\[\] must be/],
    [{ buffers: { sizeKb: 0 } }, /buffers\.sizeKb must be an integer in 4\.\.1024/],
    [{ ringCapacity: 3 }, /ringCapacity must be a power of two/],
    [{ batchSize: 0 }, /batchSize must be an integer/],
    [{ filter: { pids: [-1] } }, /filter\.pids\[\] must be an integer/],
    [{ filter: { nope: [] } }, /filter\.nope is not an option/],
  ])('checks %j before the platform: EINVAL_ARGUMENT', (options, message) => {
    const error = thrown(() => etw.live(options as never));
    expect(isKwireError(error, 'EINVAL_ARGUMENT'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('is typed as the Linux sources are: a KernelSource of batches', () => {
    const typed: (options?: Readonly<Partial<EtwLiveOptions>>) => KernelSource<EtwBatch> = etw.live;
    expect(typeof typed).toBe('function');
  });

  it('kwire etw refuses with one line and status 1; its --help teaches', async () => {
    const r = await kwire('etw', '--classes', 'process', '--duration', '1');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^kwire etw: live ETW tracing needs Windows \(this is \w+\); .* \[ENOTSUP_KERNEL\]\n$/);
    const help = await kwire('etw', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--classes LIST .*process, thread, image, file, tcp, udp, registry/s);
    expect(help.stdout).toMatch(/--max-buffers N/);
    expect(help.stdout).toMatch(/Needs Administrator/);
  });

  it.each([
    [['--classes', 'disk'], /--classes: unknown class 'disk' \(the classes: process, thread, image, file, tcp, udp, registry\)/],
    [['--session', 'global'], /--session wants 'auto', 'private' or 'kernel-logger', got 'global'/],
    [['--buffer-size', '0'], /--buffer-size wants a positive integer, got '0'/],
    [['--pid', 'x'], /--pid wants a positive integer, got 'x'/],
    [['--pidns', '5'], /--pidns is for Linux sources; use --pid/],
  ])('kwire etw %j: usage error, status 2', async (args, message) => {
    const r = await kwire('etw', ...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\(see: kwire etw --help\)\n$/);
  });
});
