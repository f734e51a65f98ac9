// The live session's controller (native/win/src/etw_session.cc), compiled for Linux against a fake
// Windows (native/win/test/etw_session_test.cc, built by `make win`): starting the session, stopping and
// restarting one left running, ERROR_NO_SYSTEM_RESOURCES as ELOGGER_LIMIT, the rundown fallback order,
// the loss counters and stop. Each case of the C++ test is one test here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './helpers/repo.js';

const binary = repoPath('native/win/build/etw-session-test');
if (!existsSync(binary)) throw new Error(`${binary} is not built (make win; make test builds it)`);
const run = spawnSync(binary, { encoding: 'utf8' });
const lines = run.stdout.trim().split('\n').filter(Boolean);

describe('the ETW session controller, against a fake Windows', () => {
  it('ran every case and exited 0', () => {
    expect(run.stderr).toBe('');
    expect(lines.length).toBeGreaterThanOrEqual(13);
    expect(run.status).toBe(0);
  });
  it.each(lines.map((l) => [l.replace(/^(ok|FAIL) /, '').replace(/: .*$/, ''), l] as const))('%s', (_name, line) => {
    expect(line).toMatch(/^ok /);
  });
});
