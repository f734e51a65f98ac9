// The exec layout (packages/kwire/src/kinds/exec.ts) against the BTF clang emitted for
// bpf/include/exec.h: read by kwire's own BTF parser and, independently, by bpftool.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutFromBtf } from 'kwire';
import { builtinKinds, compareLayouts } from 'kwire/gen';

const execLayout = builtinKinds.find(({ kind }) => kind.name === 'exec')!.kind.layout;
import { btfStruct } from './helpers/btf.js';
import { repoPath } from './helpers/repo.js';
import { encodeExec } from './reference/exec.js';

const object = repoPath('bpf/.output/exec.bpf.o');
const btf = btfStruct(object, 'exec_event');
const offsetOf = (name: string) => btf.members.find((m) => m.name === name)!.offset;

describe('exec layout', () => {
  it('equals the struct in the BTF of the compiled object', () => {
    expect(compareLayouts(execLayout, layoutFromBtf(object, 'exec_event'))).toEqual([]);
  });

  it("kwire's BTF parser agrees with bpftool", () => {
    const ours = layoutFromBtf(object, 'exec_event');
    expect(ours.size).toBe(btf.size);
    expect([...ours.fields.map((f) => ({ name: f.c, offset: f.offset })), { name: ours.tail!.c, offset: ours.size }]).toEqual(btf.members);
  });

  it('the reference encoder writes every field at its BTF offset', () => {
    const bytes = encodeExec({ ts: 1n, cgroupId: 2n, pid: 3, ppid: 4, uid: 5, gid: 6, pidns: 7, flags: 10, comm: 'c', filename: 'f', argv: ['a'] });
    const v = new DataView(bytes.buffer);
    const at = (name: string) => v.getUint32(offsetOf(name), true);
    expect([Number(v.getBigUint64(offsetOf('ts'), true)), Number(v.getBigUint64(offsetOf('cgroup_id'), true))]).toEqual([1, 2]);
    expect(['pid', 'ppid', 'uid', 'gid', 'pidns', 'argc', 'args_size', 'flags'].map(at)).toEqual([3, 4, 5, 6, 7, 1, 4, 10]);
    expect(String.fromCharCode(bytes[offsetOf('comm')]!)).toBe('c');
  });

  it('matches the header constants', () => {
    const header = readFileSync(repoPath('bpf/include/exec.h'), 'utf8');
    const define = (n: string) => Number(header.match(new RegExp(`#define ${n} (\\d+)`))![1]);
    expect(define('EXEC_HEAD_SIZE')).toBe(execLayout.size);
    expect(execLayout.fields.find((f) => f.name === 'comm')!.size).toBe(define('EXEC_COMM_LEN'));
  });
});
