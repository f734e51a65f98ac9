// kwire as a user installs it: `make pack`'s tarballs installed with npm into an empty folder outside
// the repository (dependencies from the registry), with no compiler, cc, g++ or make on PATH; then
// exactly the README's quick start ("Install it in your own project"): its commands and its files,
// read from the README, so the two cannot drift apart.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLive, liveSkipReason } from './helpers/live.js';
import { compileBpf } from './helpers/clang.js';
import { validateJsonLines } from './helpers/json-schema.js';
import { repoPath } from './helpers/repo.js';
import { run, type RunResult } from './helpers/run.js';

const readme = readFileSync(repoPath('README.md'), 'utf8');

/** The README's quick start: the shell lines and the files (each block's first line names it). */
function quickStart(): { commands: string[]; files: Map<string, string> } {
  const between = (from: string, to: string) => readme.slice(readme.indexOf(from) + from.length, readme.indexOf(to));
  const blocks = (text: string) => [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const commands = blocks(between('<!-- install-test: commands -->', '<!-- install-test: files -->'))
    .join('')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  const files = new Map<string, string>();
  for (const block of blocks(between('<!-- install-test: files -->', '<!-- install-test: end -->'))) {
    const [first, ...rest] = block.split('\n');
    files.set(first!.replace(/^\/\/\s*/, '').trim(), rest.join('\n'));
  }
  return { commands, files };
}

const dir = mkdtempSync(join(tmpdir(), 'kw14-install-'));
const project = join(dir, 'project');
const bin = join(dir, 'bin'); // PATH: node, npm, npx and sh only
const tarballs = join(dir, 'pack');
const env = { HOME: process.env.HOME ?? '/root', PATH: bin, npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm') };
const { commands, files } = quickStart();

function sh(command: string): Promise<RunResult> {
  return run('/bin/sh', ['-c', command], { cwd: project, env });
}

beforeAll(() => {
  execFileSync(process.execPath, [repoPath('scripts/pack.mjs'), '--out', tarballs], { stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(project);
  mkdirSync(bin);
  writeFileSync(join(project, 'package.json'), '{}\n');
  const npmDir = dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()))); // …/npm/bin/npm-cli.js
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(join(npmDir, 'bin/npm-cli.js'), join(bin, 'npm'));
  symlinkSync(join(npmDir, 'bin/npx-cli.js'), join(bin, 'npx'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  for (const [name, text] of files) writeFileSync(join(project, name), text);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('make pack', () => {
  it('writes a kwire tarball holding the library, the command, the prebuilt addon, the BPF objects, the WASM and the schemas', () => {
    const kwire = readdirSync(tarballs).find((f) => /^kwire-\d.*\.tgz$/.test(f));
    expect(kwire).toBeDefined();
    const listing = execFileSync('tar', ['tzf', join(tarballs, kwire!)], { encoding: 'utf8' }).split('\n');
    for (const path of ['dist/index.js', 'dist/index.d.ts', 'bin/kwire.js', 'cli/dist/main.js', 'prebuilds/linux-x64/node.napi.glibc.node',
      'bpf/exec.bpf.o', 'bpf/exit.bpf.o', 'bpf/flow.bpf.o', 'assembly/build/kwire.wasm', 'assembly/ring.ts', 'schemas/exec.schema.json', 'package.json']) {
      expect(listing).toContain(`package/${path}`);
    }
    const manifest = JSON.parse(execFileSync('tar', ['xzOf', join(tarballs, kwire!), 'package/package.json'], { encoding: 'utf8' })) as Record<string, Record<string, string>>;
    expect(Object.keys(manifest.scripts ?? {})).toEqual([]); // no install script: nothing is built at install time
    expect(Object.values(manifest.dependencies!).filter((v) => v.startsWith('workspace:'))).toEqual([]);
  });
});

describe('the README quick start in an empty project, no build tools on PATH', () => {
  it('has no compiler, cc, g++, make or node-gyp on its PATH', async () => {
    for (const tool of ['clang', 'cc', 'gcc', 'g++', 'make', 'node-gyp']) expect((await sh(`command -v ${tool}`)).code, tool).not.toBe(0);
  });

  it('installs the tarballs with npm (dependencies from the registry), building nothing', async () => {
    const install = commands.filter((c) => c.startsWith('npm install') && / kwire$/.test(c));
    expect(install).toEqual(['npm install kwire']);
    const packed = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).map((f) => join(tarballs, f));
    const r = await sh(`npm install --no-audit --no-fund --prefer-offline ${packed.join(' ')}`);
    expect(r.stderr).not.toMatch(/gyp|clang|g\+\+/);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(project, 'node_modules/kwire/build'))).toBe(false);
  }, 300_000);

  it('npx kwire --version names the installed version', async () => {
    const r = await sh('npx kwire --version');
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(repoPath('packages/kwire/package.json'), 'utf8')).version);
  });

  it.each([
    ['linux-arm64 with glibc', { npm_config_arch: 'arm64' }],
    ['linux-x64 with musl', { LIBC: 'musl' }],
  ])('where no prebuilt addon fits (%s), says so with ENO_PREBUILD naming the platform, not a build log', async (target, platformEnv) => {
    const probe = "import('kwire').then((k) => { try { k.bootTimeNs(); console.log('loaded'); } catch (e) { console.log(`${e.code}: ${e.message}`); } })";
    const r = await run(join(bin, 'node'), ['-e', probe], { cwd: project, env: { ...env, ...platformEnv } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^ENO_PREBUILD: kwire has no prebuilt addon for ${target} \\(Node [0-9.]+\\): it ships one for linux-x64 with glibc`));
  });

  it('replays a capture there all the same (replay needs no addon), every line valid against the installed schemas', async () => {
    const r = await run('/bin/sh', ['-c', `npx kwire replay ${repoPath('fixtures/capture/host.kwcap')} --json`], { cwd: project, env: { ...env, npm_config_arch: 'arm64' } });
    expect(r.code, r.stderr).toBe(0);
    const events = validateJsonLines(r.stdout, join(project, 'node_modules/kwire/schemas'));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['exec', 'exit', 'flow']));
  });

  const live = (c: string) => c.startsWith('npx kwire exec') || c.startsWith('node ');

  it("installs the README's development tools and type-checks its TypeScript file, strict, moduleResolution nodenext", async () => {
    const typing = commands.filter((c) => /^npm install -D /.test(c) || c.startsWith('npx tsc'));
    expect(typing).toHaveLength(2);
    for (const command of typing) {
      const r = await sh(`${command}${command.startsWith('npm') ? ' --no-audit --no-fund --prefer-offline' : ''}`);
      expect(r.code, `${command}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  }, 300_000);

  it('type-checks against the installed types: a wrong field is an error', async () => {
    mkdirSync(join(project, 'wrong'));
    writeFileSync(join(project, 'wrong/tsconfig.json'), files.get('tsconfig.json')!.replace('app.mts', 'wrong.mts'));
    writeFileSync(join(project, 'wrong/wrong.mts'), "import { execEvents } from 'kwire';\nexecEvents().subscribe((e) => console.log(e.nosuch));\n");
    const r = await sh('npx tsc -p wrong');
    expect(r.stdout).toMatch(/error TS2339: Property 'nosuch' does not exist on type 'ExecEvent'/);
  }, 120_000);

  it.skipIf(!canRunLive)(`runs the README's live commands: npx kwire, an ESM and a CommonJS program${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, async () => {
    expect(commands.filter(live)).toHaveLength(3);
    for (const command of commands.filter(live)) {
      const workload = setInterval(() => void run('/bin/true', []), 50); // execs for the live commands to see
      const r = await sh(command).finally(() => clearInterval(workload));
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      expect(r.stderr, command).toBe('');
      if (command.startsWith('npx kwire exec')) {
        const events = validateJsonLines(r.stdout, join(project, 'node_modules/kwire/schemas'));
        expect(events.some((e) => e.type === 'exec')).toBe(true);
      } else if (command.startsWith('node ')) {
        expect(r.stdout).toMatch(/^exec \d+ \/bin\/true$/m);
      }
    }
  }, 120_000);

  it.skipIf(!canRunLive)(`runs a user's own tp/ program, its decoder compiled at run time, with no mount binary on PATH${canRunLive ? '' : ` (skipped: ${liveSkipReason})`}`, async () => {
    compileBpf(repoPath('test/fixtures/user-tp.bpf.c'), join(dir, 'user-tp.bpf.o')); // by the test: the project has no clang
    writeFileSync(join(project, 'user-tp.mjs'), readFileSync(repoPath('test/helpers/user-tp-child.mjs')));
    const r = await sh(`node user-tp.mjs ${join(dir, 'user-tp.bpf.o')}`); // kwire's decoder cache (~/.cache/kwire), keyed by the sources
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ events: expect.any(Number), pids: [expect.any(Number)] });
  }, 120_000);
});
