import { join } from 'node:path';
import { kwireExecCpu } from './lib/exec-cpu.js';
const repo = join(import.meta.dirname, '..');
const res: Record<string, number[]> = {};
for (let r = 0; r < 3; r++) for (const b of ['50', '200']) (res[b] ??= []).push((await kwireExecCpu(repo, 3000, ['--latency-bound', b])).msPer1000);
for (const [b, v] of Object.entries(res)) console.log(b, v.map((x) => x.toFixed(1)).join(' '), 'median', [...v].sort((x, y) => x - y)[1]!.toFixed(1));
