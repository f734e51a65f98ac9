// Without capabilities, kwire fails with a typed error naming them, and loads nothing.
import { describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { kwProgramIds } from './helpers/kw-programs.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const dropAll = ['--inh-caps=-all', '--bounding-set=-all', '--'];

describe.skipIf(!canRunLive)(`unprivileged start${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('the library throws a PermissionError naming CAP_BPF and CAP_PERFMON', async () => {
    const before = kwProgramIds();
    const script = `
      import { execs } from 'kwire';
      execs().subscribe({ error: (e) => { console.log(JSON.stringify({ name: e.name, code: e.code, missing: e.missing, message: e.message })); } });
    `;
    const result = await run('setpriv', [...dropAll, process.execPath, '--input-type=module', '-e', script], { cwd: repoPath('test') });
    expect(result.stderr).toBe('');
    const error = JSON.parse(result.stdout);
    expect(error).toMatchObject({ name: 'PermissionError', code: 'EPERM_CAPABILITY', missing: ['CAP_BPF', 'CAP_PERFMON'] });
    expect(error.message).toContain('CAP_BPF');
    expect(kwProgramIds().filter((id) => !before.includes(id))).toEqual([]);
  });

  it('the CLI exits 77 with a message naming the missing capabilities', async () => {
    const before = kwProgramIds();
    const result = await run('setpriv', [...dropAll, process.execPath, repoPath('packages/cli/bin/kwire.js'), 'exec', '--duration', '1']);
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(/kwire exec: .*needs CAP_BPF and CAP_PERFMON/);
    expect(kwProgramIds().filter((id) => !before.includes(id))).toEqual([]);
  });
});
