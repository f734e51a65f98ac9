// Spawns `count` short processes with distinctive argv, one after another, and prints what it
// spawned as JSON: [{ pid, argv, uid, gid, truncated }]. Used as one of several parents in live tests.
// Usage: node spawn-many.mjs TAG COUNT
import { spawnSync } from 'node:child_process';

const [tag, countArg] = process.argv.slice(2);
const count = Number(countArg);
const longArg = 'L'.repeat(4000);
const manyArgs = Array.from({ length: 3000 }, (_, i) => `arg${String(i).padStart(4, '0')}`); // ~27 KB > 8 KiB limit

const spawned = [];
for (let i = 0; i < count; i++) {
  const kind = i % 6;
  const args = [tag, String(i)];
  const options = { stdio: 'ignore', argv0: 'true' };
  if (kind === 0) args.push('', 'after-empty', '');
  if (kind === 1) args.push('héllo wörld ✓', '日本語', 'emoji 🎉');
  if (kind === 2) args.push(longArg);
  if (kind === 3) args.push(...manyArgs);
  if (kind === 4) Object.assign(options, { uid: 1000 + (i % 7), gid: 2000 + (i % 5) });
  const result = spawnSync('/bin/true', args, options);
  if (result.error) throw result.error;
  spawned.push({ pid: result.pid, argv: ['true', ...args], uid: options.uid ?? 0, gid: options.gid ?? 0, truncated: kind === 3 });
}
process.stdout.write(JSON.stringify({ parent: process.pid, spawned }));
