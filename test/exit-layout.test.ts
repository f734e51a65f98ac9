// The exit layout is written once, in bpf/include/exit.h. The decoder's offsets, the store's encoder
// and the reference encoder must agree with the BTF that clang emitted for it in the compiled objects.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { btfStruct } from './helpers/btf.js';
import { repoPath } from './helpers/repo.js';
import { encodeExit } from './reference/exit.js';

const btf = btfStruct(repoPath('bpf/.output/exit.bpf.o'), 'exit_event');
const offsetOf = (name: string) => btf.members.find((m) => m.name === name)!.offset;

/** `const OFF_X: usize = n;` and `const SIZE: u32 = n;` of the generated decoder, assembly/generated/exit.ts. */
const decoderConstants = new Map(
  [...readFileSync(repoPath('assembly/generated/exit.ts'), 'utf8').matchAll(/^const (\w+): \w+ = (\d+);/gm)].map((m) => [m[1]!, Number(m[2])]),
);

describe('exit layout', () => {
  it('the decoder reads every BTF member at its BTF offset', () => {
    expect(decoderConstants.get('SIZE')).toBe(btf.size);
    for (const { name, offset } of btf.members) expect(decoderConstants.get(`OFF_${name.toUpperCase()}`), name).toBe(offset);
  });

  it('the store object has the same record, and its trace value as the store writes it', () => {
    const store = btfStruct(repoPath('bpf/.output/exit_store.bpf.o'), 'exit_event');
    expect(store).toEqual(btf);
    const trace = btfStruct(repoPath('bpf/.output/exit_store.bpf.o'), 'exit_trace');
    expect(trace).toEqual({ size: 16, members: [{ name: 'trace_id', offset: 0 }, { name: 'pidns', offset: 8 }, { name: 'pad', offset: 12 }] });
  });

  it('the reference encoder writes every field at its BTF offset', () => {
    const bytes = encodeExit({ startTime: 1n, exitTime: 2n, cgroupId: 3n, pidnsDev: 4n, pid: 5, tid: 6, ppid: 7, status: 8, pidns: 9, flags: 10, comm: 'c' });
    const v = new DataView(bytes.buffer);
    const u64 = ['start_time', 'exit_time', 'cgroup_id', 'pidns_dev'].map((n) => Number(v.getBigUint64(offsetOf(n), true)));
    const u32 = ['pid', 'tid', 'ppid', 'status', 'pidns', 'flags'].map((n) => v.getUint32(offsetOf(n), true));
    expect([...u64, ...u32]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(String.fromCharCode(bytes[offsetOf('comm')]!)).toBe('c');
  });

  it('the store\'s own encoder writes what the WASM decoder reads back', async () => {
    const { encodeExitRecord, decodeExitRecord } = await import('../packages/kwire/src/kinds/exit-record.js');
    const row = { startTime: 2n ** 63n + 1n, exitTime: 2n, cgroupId: 3n, pidnsDev: 4n, pid: 5, tid: 6, ppid: 7, status: 0x300, pidns: 9, flags: 0, comm: 'sleepy' };
    expect(decodeExitRecord(encodeExitRecord(row))).toMatchObject({ startTime: row.startTime, exitTime: 2n, cgroupId: 3n, pidnsDev: 4n, pid: 5, tid: 6, ppid: 7, status: 0x300, exitCode: 3, signal: 0, pidns: 9, comm: 'sleepy' });
  });

  it('matches the header constants the decoder relies on', () => {
    const header = readFileSync(repoPath('bpf/include/exit.h'), 'utf8');
    const define = (n: string) => Number(header.match(new RegExp(`#define ${n} (\\d+)`))![1]);
    expect(define('EXIT_EVENT_SIZE')).toBe(btf.size);
    expect(define('EXIT_COMM_LEN')).toBe(btf.size - decoderConstants.get('OFF_COMM')!);
    expect(btf.size - offsetOf('comm')).toBe(define('EXIT_COMM_LEN'));
  });
});
