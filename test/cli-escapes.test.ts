// Live: what an argv can hold that a terminal or a JSON reader would take for something else (issue 15,
// defect 5): escape sequences and other control bytes, and bytes that are not UTF-8. The table shows
// them escaped; JSON has U+FFFD in the strings and the exact bytes in argsRaw's escape form;
// MessagePack has the exact bytes.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventDecoder } from 'kwire';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { repoPath } from './helpers/repo.js';
import { run, waitFor } from './helpers/run.js';

/** `kwire exec ARGS` around execs of /bin/true TAG $'\e[31mred' $'\xff\xfe', until the tagged exec is seen. */
async function execAround(args: string[], tag: string): Promise<Buffer> {
  const child = spawn(process.execPath, [repoPath('packages/cli/bin/kwire.js'), 'exec', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  const closed = new Promise((r) => child.on('close', r));
  await waitFor('the tagged exec', () => {
    void run('bash', ['-c', `/bin/true ${tag} $'\\e[31mred' $'\\xff\\xfe'`]);
    return Buffer.concat(chunks).includes(tag);
  }, 30_000);
  child.kill('SIGINT');
  await closed;
  return Buffer.concat(chunks);
}

describe.skipIf(!canRunLive)(`control and non-UTF-8 bytes in argv${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, () => {
  it('the table escapes control characters: no raw ESC or CR reaches the terminal', async () => {
    const tag = `kw15-${randomUUID()}`;
    const out = await execAround([], tag);
    const row = out.toString('utf8').split('\n').find((l) => l.includes(tag) && / true +\d/.test(l))!;
    expect(row).toMatch(new RegExp(`/bin/true ${tag} \\\\x1b\\[31mred \ufffd\ufffd$`));
    expect(out.includes(0x1b)).toBe(false);
  });

  it('JSON: U+FFFD in argv, the exact bytes in argsRaw (escape form); MessagePack: the bytes themselves', async () => {
    const tag = `kw15-${randomUUID()}`;
    const json = (await execAround(['--json'], tag)).toString('utf8').split('\n').filter((l) => l.includes(tag)).map((l) => JSON.parse(l)).filter((e) => e.comm === 'true');
    expect(json[0].argv).toEqual(['/bin/true', tag, '\u001b[31mred', '\ufffd\ufffd']);
    expect(json[0].argsRaw).toBe(`/bin/true\\x00/bin/true\\x00${tag}\\x00\\x1b[31mred\\x00\\xff\\xfe\\x00`);

    const tag2 = `kw15-${randomUUID()}`;
    const packed = [...new EventDecoder().decodeAll(await execAround(['--msgpack'], tag2))] as { argv?: string[]; argsRaw?: Uint8Array }[];
    const mine = packed.find((e) => e.argv?.[1] === tag2)!;
    expect(Buffer.from(mine.argsRaw!)).toEqual(Buffer.concat([Buffer.from(`/bin/true\0/bin/true\0${tag2}\0\x1b[31mred\0`), Buffer.from([0xff, 0xfe, 0])]));
    // the bash that ran it has valid UTF-8 in its argv: no argsRaw
    expect(packed.find((e) => e.argv?.[0] === 'bash' && e.argv.some((a) => a.includes(tag2)))?.argsRaw).toBeUndefined();
  });
});
