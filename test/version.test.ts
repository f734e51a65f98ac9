// One version, from kwire's package.json, wherever kwire names itself: `kwire --version`, the `version`
// export, every source's stats() and the header of every capture it writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, execs, version } from 'kwire';
import { encodeEntry } from '../packages/kwire/src/capture/format.js';
import { hostHeader } from '../packages/kwire/src/capture/writer.js';
import { repoPath } from './helpers/repo.js';
import { run } from './helpers/run.js';

const packageVersion = (JSON.parse(readFileSync(repoPath('packages/kwire/package.json'), 'utf8')) as { version: string }).version;

describe('version', () => {
  it('is the package version, in the export and in kwire --version (and -V)', async () => {
    expect(version).toBe(packageVersion);
    for (const flag of ['--version', '-V']) {
      const r = await run(process.execPath, [repoPath('packages/cli/bin/kwire.js'), flag]);
      expect(r).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
    }
  });

  it('is in every source\'s stats()', () => {
    expect(execs().stats().version).toBe(packageVersion);
  });

  it('is in the header of a capture, as kwireVersion beside the format version', () => {
    const entries = [...new CaptureReader(() => {}).push(encodeEntry(hostHeader([])))];
    expect(entries[0]).toMatchObject({ entry: { t: 'header', version: 1, kwireVersion: packageVersion } });
  });
});
