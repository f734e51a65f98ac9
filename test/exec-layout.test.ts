// The exec layout is written once, in bpf/include/exec.h. The decoder's offsets and the reference
// encoder must agree with the BTF that clang emitted for it in the compiled object.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { btfStruct } from './helpers/btf.js';
import { repoPath } from './helpers/repo.js';
import { encodeExec } from './reference/exec.js';

const object = repoPath('bpf/.output/exec.bpf.o');
const btf = btfStruct(object, 'exec_event');
const offsetOf = (name: string) => btf.members.find((m) => m.name === name)!.offset;

/** `const OFF_X: usize = n;` and `const HEAD_SIZE: u32 = n;` of assembly/exec.ts. */
const decoderConstants = new Map(
  [...readFileSync(repoPath('assembly/exec.ts'), 'utf8').matchAll(/^const (\w+): \w+ = (\d+);/gm)].map((m) => [m[1]!, Number(m[2])]),
);

describe('exec layout', () => {
  it('the decoder reads every BTF member at its BTF offset', () => {
    expect(decoderConstants.get('HEAD_SIZE')).toBe(btf.size);
    for (const { name, offset } of btf.members) {
      if (name === 'args') {
        expect(offset).toBe(btf.size); // the variable tail starts right after the head
        continue;
      }
      expect(decoderConstants.get(`OFF_${name.toUpperCase()}`), name).toBe(offset);
    }
  });

  it('the reference encoder writes every field at its BTF offset', () => {
    const bytes = encodeExec({ ts: 1n, cgroupId: 2n, pid: 3, ppid: 4, uid: 5, gid: 6, pidns: 7, flags: 10, comm: 'c', filename: 'f', argv: ['a'] });
    const v = new DataView(bytes.buffer);
    const at = (name: string) => v.getUint32(offsetOf(name), true);
    expect([Number(v.getBigUint64(offsetOf('ts'), true)), Number(v.getBigUint64(offsetOf('cgroup_id'), true))]).toEqual([1, 2]);
    expect(['pid', 'ppid', 'uid', 'gid', 'pidns', 'argc', 'args_size', 'flags'].map(at)).toEqual([3, 4, 5, 6, 7, 1, 4, 10]);
    expect(String.fromCharCode(bytes[offsetOf('comm')]!)).toBe('c');
  });

  it('matches the header constants the decoder relies on', () => {
    const header = readFileSync(repoPath('bpf/include/exec.h'), 'utf8');
    const define = (n: string) => Number(header.match(new RegExp(`#define ${n} (\\d+)`))![1]);
    expect(define('EXEC_HEAD_SIZE')).toBe(btf.size);
    expect(define('EXEC_COMM_LEN')).toBe(decoderConstants.get('COMM_LEN'));
    expect(offsetOf('args') - offsetOf('comm')).toBe(define('EXEC_COMM_LEN'));
  });
});
