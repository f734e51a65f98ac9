#!/usr/bin/env node
// `make pack`: the npm tarballs of every public package, in one folder (default: pack/).
// Needs `make build` first. Usage: node scripts/pack.mjs [--out DIR]
//
// `kwire` is staged in a temp folder, since it carries what the monorepo builds elsewhere:
//   dist/                 the library (packages/kwire/dist)
//   cli/dist, bin/kwire.js the command (packages/cli/dist): `npx kwire` works after `npm install kwire`
//   prebuilds/linux-x64/  the addon, prebuilt for glibc, found at run time by node-gyp-build
//   bpf/                  the CO-RE BPF objects (one build runs on every kernel with BTF)
//   assembly/             the decoders' WASM and the sources run-time compilation (defineDecoder) needs
//   schemas/              a JSON Schema per event type (generated from the kinds)
// Its package.json is packages/kwire's without the workspace-only parts; there is no install script,
// so nothing is compiled at install time. Every other package that is not private is packed by pnpm
// (which turns workspace:* into versions).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outAt = process.argv.indexOf('--out');
const out = resolve(outAt > 0 ? process.argv[outAt + 1] : join(repo, 'pack'));
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const required = [
  'packages/kwire/dist/index.js', 'packages/cli/dist/main.js', 'native/build/Release/kwire.node',
  'assembly/build/kwire.wasm', 'bpf/.output/exec.bpf.o',
];
for (const path of required) {
  if (!existsSync(join(repo, path))) {
    console.error(`pack: ${path} is missing: run \`make build\` first`);
    process.exit(1);
  }
}

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith('.tgz')) rmSync(join(out, f));

// A compiled file whose source is gone (tsc -b never deletes outputs) stays out, as do source maps.
const current = (pkg) => (path) => {
  if (path.endsWith('.map') || path.endsWith('.tsbuildinfo')) return false;
  const m = /\/dist\/(.+?)(\.d\.ts|\.js)$/.exec(path);
  return !m || existsSync(join(repo, 'packages', pkg, 'src', `${m[1]}.ts`));
};

function stageKwire(stage) {
  const lib = readJson(join(repo, 'packages/kwire/package.json'));
  const cli = readJson(join(repo, 'packages/cli/package.json'));
  cpSync(join(repo, 'packages/kwire/dist'), join(stage, 'dist'), { recursive: true, filter: current('kwire') });
  cpSync(join(repo, 'packages/cli/dist'), join(stage, 'cli/dist'), { recursive: true, filter: current('cli') });
  mkdirSync(join(stage, 'bin'));
  writeFileSync(join(stage, 'bin/kwire.js'), "#!/usr/bin/env node\n// The kwire command (packages/cli), shipped inside the library's package.\nimport '../cli/dist/main.js';\n", { mode: 0o755 });
  mkdirSync(join(stage, 'prebuilds/linux-x64'), { recursive: true });
  // node-gyp-build's tags: a Node-API build (any Node version), for glibc.
  cpSync(join(repo, 'native/build/Release/kwire.node'), join(stage, 'prebuilds/linux-x64/node.napi.glibc.node'));
  mkdirSync(join(stage, 'bpf'));
  for (const f of readdirSync(join(repo, 'bpf/.output')).filter((f) => f.endsWith('.bpf.o'))) cpSync(join(repo, 'bpf/.output', f), join(stage, 'bpf', f));
  mkdirSync(join(stage, 'assembly/build'), { recursive: true });
  for (const f of ['ring.ts', 'status.ts', 'heap.ts']) cpSync(join(repo, 'assembly', f), join(stage, 'assembly', f));
  for (const f of readdirSync(join(repo, 'assembly/build')).filter((f) => f.endsWith('.wasm'))) cpSync(join(repo, 'assembly/build', f), join(stage, 'assembly/build', f));
  cpSync(join(repo, 'packages/kwire/schemas'), join(stage, 'schemas'), { recursive: true });
  cpSync(join(repo, 'README.md'), join(stage, 'README.md'));

  const workspaceOnly = (deps) => Object.fromEntries(Object.entries(deps ?? {}).filter(([, v]) => !String(v).startsWith('workspace:')));
  const { devDependencies: _dev, scripts: _scripts, ...published } = lib;
  const pkg = {
    ...published,
    bin: { kwire: 'bin/kwire.js' },
    files: ['dist', 'cli', 'bin', 'prebuilds', 'bpf', 'assembly', 'schemas'],
    dependencies: { ...workspaceOnly(cli.dependencies), ...workspaceOnly(lib.dependencies) },
  };
  writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
}

const packed = [];
const stage = mkdtempSync(join(tmpdir(), 'kwire-pack-'));
try {
  stageKwire(stage);
  const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }).trim().split('\n').pop();
  packed.push(file);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

for (const dir of readdirSync(join(repo, 'packages')).sort()) {
  const manifest = join(repo, 'packages', dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const pkg = readJson(manifest);
  if (pkg.private || pkg.name === 'kwire') continue;
  const output = execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: join(repo, 'packages', dir), encoding: 'utf8' });
  packed.push(output.trim().split('\n').pop().split('/').pop());
}
console.log(`pack: ${packed.join(', ')} in ${out}`);
