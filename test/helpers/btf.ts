// Struct layouts from the BTF of a compiled BPF object, read through bpftool's JSON dump.
import { execFileSync } from 'node:child_process';

export interface BtfMember {
  name: string;
  offset: number; // bytes
}

export function btfStruct(object: string, name: string): { size: number; members: BtfMember[] } {
  const dump = JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', object], { encoding: 'utf8' })) as {
    types: { kind: string; name: string; size?: number; members?: { name: string; bits_offset: number }[] }[];
  };
  const struct = dump.types.find((t) => t.kind === 'STRUCT' && t.name === name);
  if (!struct) throw new Error(`no struct ${name} in the BTF of ${object}`);
  return { size: struct.size!, members: struct.members!.map((m) => ({ name: m.name, offset: m.bits_offset / 8 })) };
}
