// Layouts that real kernel messages need, on hand-written bytes: ETW's Process v4 event (pointer width
// by a frame flag, a SID, an ANSI and three UTF-16 strings), the netlink proc connector (nlmsghdr +
// cn_msg + proc_event, a union on `what`); the declaration's typed errors; and `kwire gen`'s user
// TypeScript for such layouts (the layout spec it writes defines the same layout, and it type-checks).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDecoder, defineLayout, FrameDecoder, utf16, utf8, type Layout, type LayoutSpec } from 'kwire';
import { generateAssembly, generateC, generateTypes, layoutSpec } from 'kwire/gen';
import { concat, frame } from './reference/frames.js';
import { arbitraryVarLayout } from './reference/layout-var.js';
import { rejects, typeCheck } from './helpers/layout-checks.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kwire-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Little-endian byte writer for hand-built records. */
class Bytes {
  private readonly out: number[] = [];
  u8(...v: number[]) {
    this.out.push(...v.map((x) => x & 0xff));
    return this;
  }
  u16(v: number) {
    return this.u8(v, v >> 8);
  }
  u32(v: number) {
    return this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }
  u64(v: bigint) {
    return this.u32(Number(v & 0xffffffffn)).u32(Number(v >> 32n));
  }
  ptr(w: 4 | 8, v: bigint) {
    return w === 8 ? this.u64(v) : this.u32(Number(v));
  }
  ansi(s: string) {
    return this.u8(...[...s].map((c) => c.charCodeAt(0)), 0);
  }
  wide(s: string) {
    for (let k = 0; k < s.length; k++) this.u16(s.charCodeAt(k));
    return this.u16(0);
  }
  get bytes() {
    return Uint8Array.from(this.out);
  }
}

const etwProcess = defineLayout({
  name: 'etwProcess',
  packed: true,
  pointer: { flag: 0x1 },
  trailing: 'ignore',
  fields: [
    { name: 'uniqueProcessKey', type: 'ptr' },
    { name: 'processId', type: 'u32' },
    { name: 'parentId', type: 'u32' },
    { name: 'sessionId', type: 'u32' },
    { name: 'exitStatus', type: 'i32' },
    { name: 'directoryTableBase', type: 'ptr' },
    { name: 'flags', type: 'u32' },
    { name: 'userSid', type: 'sid' },
    { name: 'imageFileName', type: utf8() },
    { name: 'commandLine', type: utf16() },
    { name: 'packageFullName', type: utf16() },
    { name: 'applicationId', type: utf16() },
  ],
});

function processEvent(w: 4 | 8, sid: boolean, command: string): Uint8Array {
  const b = new Bytes().ptr(w, 0xffffa0012345n).u32(4242).u32(4).u32(1).u32(0xc0000005).ptr(w, 0x1aa000n).u32(0);
  if (sid) {
    b.ptr(w, 0xffff800012345678n & (w === 8 ? 0xffffffffffffffffn : 0xffffffffn)).u8(...new Array(w).fill(0xcc)); // TOKEN_USER, garbage padding
    b.u8(1, 5, 0, 0, 0, 0, 0, 5).u32(21).u32(1085031214).u32(1563985344).u32(725345543).u32(1001);
  } else b.u32(0);
  return b.ansi('notepad.exe').wide(command).wide('').wide('App').u8(0xee, 0xee).bytes;
}

describe('ETW Process v4 (pointer width by a frame flag, SID, ANSI and UTF-16 strings)', () => {
  it('has the offsets of both writers', () => {
    expect(etwProcess.fields.map((f) => [f.name, f.offset, f.offset32])).toEqual([
      ['uniqueProcessKey', 0, 0], ['processId', 8, 4], ['parentId', 12, 8], ['sessionId', 16, 12], ['exitStatus', 20, 16], ['directoryTableBase', 24, 20], ['flags', 32, 24],
    ]);
    expect([etwProcess.size, etwProcess.size32]).toEqual([36, 28]);
  });

  it('decodes 64- and 32-bit records in one batch, SIDs as text, surrogate pairs, empty strings', async () => {
    const d = await defineDecoder(etwProcess, { cacheDir });
    const cmd = '"C:\\Windows\\notepad.exe" ünï 😀 a.txt';
    const frames = concat([frame(d.sourceId, processEvent(8, true, cmd)), frame(d.sourceId, processEvent(4, false, cmd), 0x1), frame(d.sourceId, processEvent(4, true, ''), 0x1)]);
    const { batches, skipped } = new FrameDecoder(d).decode(frames);
    expect(skipped).toEqual({});
    const b = batches[0]!;
    const head = { processId: 4242, parentId: 4, sessionId: 1, exitStatus: -1073741819, directoryTableBase: 0x1aa000n, flags: 0, imageFileName: 'notepad.exe', packageFullName: '', applicationId: 'App' };
    expect([...b]).toEqual([
      { ...head, uniqueProcessKey: 0xffffa0012345n, userSid: 'S-1-5-21-1085031214-1563985344-725345543-1001', commandLine: cmd },
      { ...head, uniqueProcessKey: 0xa0012345n, userSid: '', commandLine: cmd },
      { ...head, uniqueProcessKey: 0xa0012345n, userSid: 'S-1-5-21-1085031214-1563985344-725345543-1001', commandLine: '' },
    ]);
    expect(Object.keys(b.columns)).toEqual([
      'uniqueProcessKey', 'processId', 'parentId', 'sessionId', 'exitStatus', 'directoryTableBase', 'flags',
      'userSidOffset', 'userSidLength', 'imageFileNameOffset', 'imageFileNameLength', 'commandLineOffset', 'commandLineLength',
      'packageFullNameOffset', 'packageFullNameLength', 'applicationIdOffset', 'applicationIdLength', 'strings',
    ]);
    expect(b.columns.uniqueProcessKey).toBeInstanceOf(BigUint64Array);
    expect([...b.columns.userSidLength!]).toEqual([28, 0, 28]);
    expect([...b.columns.commandLineLength!]).toEqual([cmd.length * 2, cmd.length * 2, 0]);
  });

  it('skips records whose strings or SID do not end inside the frame (TRUNCATED), whatever follows them', async () => {
    const d = await defineDecoder(etwProcess, { cacheDir });
    const full = processEvent(8, true, 'x');
    const noNul = processEvent(8, true, 'abc').subarray(0, 36 + 4 + 12 + 8 + 4 * 5 + 12 + 4); // inside the command line
    const frames = [1, 20, 36, 40, 60, noNul.length].map((n) => frame(d.sourceId, (n === noNul.length ? noNul : full).subarray(0, n)));
    const { batches, skipped } = new FrameDecoder(d).decode(concat([...frames, frame(d.sourceId, full)]));
    expect(skipped).toEqual({ truncated: 6 });
    expect(batches.flatMap((x) => [...x]).map((r) => r.commandLine)).toEqual(['x']);
  });
});

// struct nlmsghdr (16) + struct cn_msg (20) + struct proc_event: what, cpu, timestamp_ns (aligned 8 within
// proc_event, so at 44 in the message: a packed layout), event_data at 52 (<linux/cn_proc.h>).
const procConnector = defineLayout({
  name: 'procEvent',
  packed: true,
  trailing: 'ignore',
  fields: [
    { name: 'nlmsgLen', type: 'u32' }, { name: 'nlmsgType', type: 'u16' }, { name: 'nlmsgFlags', type: 'u16' }, { name: 'nlmsgSeq', type: 'u32' }, { name: 'nlmsgPid', type: 'u32' },
    { name: 'cnIdx', type: 'u32' }, { name: 'cnVal', type: 'u32' }, { name: 'cnSeq', type: 'u32' }, { name: 'cnAck', type: 'u32' }, { name: 'cnLen', type: 'u16' }, { name: 'cnFlags', type: 'u16', column: false },
    { name: 'what', type: 'u32' }, { name: 'cpu', type: 'u32' }, { name: 'timestampNs', type: 'u64', as: 'f64' },
  ],
  union: {
    on: 'what',
    at: 52,
    variants: {
      none: { tag: 0x0, fields: [{ name: 'err', type: 'u32' }] },
      fork: { tag: 0x1, fields: [{ name: 'parentPid', type: 'u32' }, { name: 'parentTgid', type: 'u32' }, { name: 'childPid', type: 'u32' }, { name: 'childTgid', type: 'u32' }] },
      exec: { tag: 0x2, fields: [{ name: 'processPid', type: 'u32' }, { name: 'processTgid', type: 'u32' }] },
      id: { tag: [0x4, 0x40], fields: [{ name: 'processPid', type: 'u32' }, { name: 'processTgid', type: 'u32' }, { name: 'ruid', type: 'u32' }, { name: 'euid', type: 'u32' }] },
      comm: { tag: 0x200, fields: [{ name: 'processPid', type: 'u32' }, { name: 'processTgid', type: 'u32' }, { name: 'comm', type: { kind: 'cstring', length: 16 } }] },
      exit: { tag: 0x80000000, fields: [{ name: 'processPid', type: 'u32' }, { name: 'processTgid', type: 'u32' }, { name: 'exitCode', type: 'u32' }, { name: 'exitSignal', type: 'u32' }, { name: 'parentPid', type: 'u32' }, { name: 'parentTgid', type: 'u32' }] },
    },
  },
});

function procMessage(what: number, data: number[], comm?: string): Uint8Array {
  const b = new Bytes().u32(16 + 20 + 16 + 24).u16(3).u16(0).u32(7).u32(0).u32(1).u32(1).u32(9).u32(0).u16(16 + 24).u16(0);
  b.u32(what).u32(1).u64(123456789n);
  for (const x of data) b.u32(x);
  if (comm !== undefined) b.u8(...[...comm].map((c) => c.charCodeAt(0)), ...new Array(16 - comm.length).fill(0));
  while (b.bytes.length < 76) b.u8(0); // the kernel sends the whole union
  return b.bytes;
}

describe('netlink proc connector (a union on proc_event.what)', () => {
  let d: Awaited<ReturnType<typeof defineDecoder>>;
  beforeAll(async () => {
    d = await defineDecoder(procConnector, { cacheDir });
  }, 60_000);

  it('decodes every variant; other variants\' columns are zero; an unknown what is skipped as BAD_VALUE', () => {
    const frames = [
      procMessage(0x1, [100, 100, 101, 101]),
      procMessage(0x2, [101, 101]),
      procMessage(0x200, [101, 101], 'bash'),
      procMessage(0x40, [101, 101, 0, 1000]),
      procMessage(0x100, [101, 101, 1, 1]), // PROC_EVENT_PTRACE: not declared
      procMessage(0x80000000, [101, 101, 256, 17, 100, 100]),
      procMessage(0x0, [0]),
    ].map((m) => frame(d.sourceId, m));
    const { batches, skipped } = new FrameDecoder(d).decode(concat(frames));
    expect(skipped).toEqual({ badValue: 1 });
    const b = batches[0]!;
    const head = { nlmsgLen: 76, nlmsgType: 3, nlmsgFlags: 0, nlmsgSeq: 7, nlmsgPid: 0, cnIdx: 1, cnVal: 1, cnSeq: 9, cnAck: 0, cnLen: 40, cpu: 1, timestampNs: 123456789 };
    expect([...b]).toEqual([
      { ...head, what: 1, variant: 'fork', parentPid: 100, parentTgid: 100, childPid: 101, childTgid: 101 },
      { ...head, what: 2, variant: 'exec', processPid: 101, processTgid: 101 },
      { ...head, what: 0x200, variant: 'comm', processPid: 101, processTgid: 101, comm: 'bash' },
      { ...head, what: 0x40, variant: 'id', processPid: 101, processTgid: 101, ruid: 0, euid: 1000 },
      { ...head, what: 0x80000000, variant: 'exit', processPid: 101, processTgid: 101, exitCode: 256, exitSignal: 17, parentPid: 100, parentTgid: 100 },
      { ...head, what: 0, variant: 'none', err: 0 },
    ]);
    expect([...b.columns.variant!]).toEqual([1, 2, 4, 3, 5, 0]);
    expect([...b.columns.exitExitCode!]).toEqual([0, 0, 0, 0, 256, 0]);
    expect([...b.columns.forkChildPid!]).toEqual([101, 0, 0, 0, 0, 0]);
    expect(b.columns.cnFlags).toBeUndefined();
  });

  it('skips a message shorter than its variant (TRUNCATED)', () => {
    const m = procMessage(0x80000000, [101, 101, 256, 17, 100, 100]);
    const { skipped } = new FrameDecoder(d).decode(concat([frame(d.sourceId, m.subarray(0, 70)), frame(d.sourceId, m.subarray(0, 50))]));
    expect(skipped).toEqual({ truncated: 2 });
  });
});

describe('declaration errors', () => {

  const u32 = (name: string) => ({ name, type: 'u32' as const });
  it.each([
    [{ name: 'x', fields: [{ name: 'p', type: 'ptr' }] }, "layout x: field p: ptr fields need the layout's pointer: { flag }"],
    [{ name: 'x', fields: [{ name: 's', type: 'sid' }] }, 'layout x: field s: a sid holds pointers'],
    [{ name: 'x', fields: [{ name: 's', type: utf8() }, u32('b')] }, 'layout x: field b: fixed fields go before the variable ones (s)'],
    [{ name: 'x', fields: [{ name: 's', type: utf8(), offset: 4 }] }, 'layout x: field s: a variable field has no offset'],
    [{ name: 'x', fields: [{ name: 's', type: utf8({ length: 'u64' as never }) }] }, "layout x: field s: length must be 'u8', 'u16', 'u32' or { field }"],
    [{ name: 'x', fields: [{ name: 'n', type: 'i16' }, { name: 's', type: utf16({ length: { field: 'n' } }) }] }, 'layout x: field s: length field n must be a fixed unsigned little-endian field'],
    [{ name: 'x', fields: [{ name: 's', type: utf16({ length: { field: 'nope' } }) }] }, 'layout x: field s: length field nope must be'],
    [{ name: 'x', fields: [{ name: 's', type: utf16({ unit: 'units' }) }] }, 'layout x: field s: unit needs a length'],
    [{ name: 'x', fields: [{ name: 's', type: { kind: 'string', encoding: 'latin9' as never } }] }, "layout x: field s: encoding must be 'utf8' or 'utf16le'"],
    [{ name: 'x', fields: [{ name: 's', type: { kind: 'bytes', length: 'u8' } }, { name: 's', type: utf8() }] }, 'layout x: field s declared twice'],
    [{ name: 'x', pointer: { flag: 0x8000 }, fields: [{ name: 'p', type: 'ptr' }] }, 'layout x: pointer.flag must be one frame flag bit'],
    [{ name: 'x', pointer: { flag: 3 }, fields: [{ name: 'p', type: 'ptr' }] }, 'layout x: pointer.flag must be one frame flag bit'],
    [{ name: 'x', pointer: { flag: 1 }, fields: [u32('a')] }, 'layout x: pointer: no ptr or sid field needs it'],
    [{ name: 'x', pointer: { flag: 1 }, size: 16, fields: [{ name: 'p', type: 'ptr' }] }, 'layout x: the size of a layout with a pointer flag is computed'],
    [{ name: 'x', pointer: { flag: 1 }, fields: [{ name: 'p', type: 'ptr' }, { name: 'a', type: 'u32', offset: 8 }] }, 'layout x: field a: an offset after a ptr field (p) depends on the pointer width'],
    [{ name: 'x', fields: [{ name: 'p', type: 'ptr', as: 'f32' as never }], pointer: { flag: 1 } }, "layout x: field p: as 'f64' needs a 64-bit integer or ptr field"],
    [{ name: 'x', fields: [u32('len'), { name: 's', type: utf8() }], tail: { name: 't', sizeField: 'len' } }, 'layout x: a tail is for fixed layouts'],
    [{ name: 'x', fields: [u32('nameOffset'), { name: 'name', type: utf8() }] }, 'layout x: field name: its column nameOffset clashes with another column'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'kind', variants: { a: { tag: 1, fields: [] } } } }, 'layout x: union.on: kind must be a head integer field of at most 32 bits'],
    [{ name: 'x', fields: [{ name: 'what', type: 'u64' }], union: { on: 'what', variants: { a: { tag: 1, fields: [] } } } }, 'layout x: union.on: what must be a head integer field of at most 32 bits'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'what', variants: { a: { tag: 1, fields: [] }, b: { tag: [2, 1], fields: [] } } } }, "layout x: variant b: tag [1] is also a's"],
    [{ name: 'x', fields: [{ name: 'what', type: 'u8' }], union: { on: 'what', variants: { a: { tag: 256, fields: [] } } } }, 'layout x: variant a: tag value 256 does not fit what (u8)'],
    [{ name: 'x', fields: [u32('g'), u32('o')], union: { on: ['g', 'o'], variants: { a: { tag: 1, fields: [] } } } }, 'layout x: variant a: tag must be a list of 2 numbers (g, o) or a list of such lists'],
    [{ name: 'x', fields: [u32('what'), { name: 's', type: utf8() }], union: { on: 'what', variants: { a: { tag: 1, fields: [] } } } }, "layout x: union: the head's variable field s would hide where the variants start"],
    [{ name: 'x', fields: [u32('what'), u32('pid')], union: { on: 'what', variants: { a: { tag: 1, fields: [u32('pid')] } } } }, 'layout x: variant a: field pid declared twice'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'what', variants: { a: { tag: 1, fields: [{ name: 'variant', type: 'u8' }] } } } }, 'layout x: variant a: field variant declared twice'],
    [{ name: 'x', pointer: { flag: 1 }, fields: [u32('what'), { name: 'p', type: 'ptr' }], union: { on: 'what', at: 16, variants: { a: { tag: 1, fields: [] } } } }, 'layout x: union.at: the head has a ptr field'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'what', variants: {} } }, 'layout x: union.variants must name at least one variant'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'what', variants: { 'a-b': { tag: 1, fields: [] } } } }, 'layout x: union variant "a-b": the name must be an identifier'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'what', variants: { a: { tag: 1, fields: [{ name: 's', type: utf8({ length: { field: 'what2' } }) }] } } } }, 'layout x: variant a: field s: length field what2 must be'],
    [{ name: 'x', fields: [u32('what')], union: { on: 'what', unknown: 'keep' as never, variants: { a: { tag: 1, fields: [] } } } }, "layout x: union.unknown must be 'skip'"],
  ] as [LayoutSpec, string][])('rejects %j', (spec, message) => {
    expect(rejects(spec)).toContain(message);
  });

  it('refuses C asserts for them (no one C struct declares such a message)', () => {
    expect(() => generateC(etwProcess, { origin: 'test' })).toThrow(/layout etwProcess: C asserts are for fixed C structs/);
  });

  it('takes a variant string sized by a head field, and a tag set on a composite discriminant', () => {
    const l = defineLayout({ name: 'x', fields: [{ name: 'group', type: 'u8' }, { name: 'opcode', type: 'u8' }, { name: 'n', type: 'u16' }], union: { on: ['group', 'opcode'], variants: { a: { tag: [[3, 1], [3, 3]], fields: [{ name: 's', type: utf16({ length: { field: 'n' }, unit: 'units' }) }] } } } });
    expect(l.union!.variants[0]!.tags).toEqual([[3, 1], [3, 3]]);
    expect(generateAssembly(l, { sourceId: 0x100, origin: 'test' })).toContain('if (t0 == 3 && (t1 == 1 || t1 == 3)) {'); // a product of value sets: one check per field
  });
});

describe('kwire gen (user TypeScript) for these layouts', () => {
  const layouts: [string, Layout][] = [['etwProcess', etwProcess], ['procEvent', procConnector], ...fc.sample(arbitraryVarLayout, { numRuns: 40, seed: 7 }).map((l, k) => [`rv${k}`, l] as [string, Layout])];

  it('writes a spec that defines the same layout', () => {
    for (const [, l] of layouts) expect(defineLayout(layoutSpec(l))).toEqual(l);
  });

  it('writes TypeScript that type-checks against kwire, with a discriminated row type', () => {
    const files = new Map(layouts.map(([n, l]) => [join(import.meta.dirname, `__gen_${n}.types.ts`), generateTypes({ ...l, name: n }, { origin: 'test', mode: 'user' })]));
    const check = `import type { ProcEventRow } from './__gen_procEvent.types.js';\nexport const f = (r: ProcEventRow): number => (r.variant === 'exit' ? r.exitCode : r.variant === 'fork' ? r.childPid : r.cpu);\n`;
    files.set(join(import.meta.dirname, '__gen_check.ts'), check);
    const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
    expect(typeCheck(files, options)).toEqual([]);
  }, 60_000);

  it('writes built-in TypeScript (columns and row functions) that type-checks inside packages/kwire/src/generated/', () => {
    const dir = join(import.meta.dirname, '../packages/kwire/src/generated');
    const files = new Map(layouts.slice(0, 12).map(([n, l]) => [join(dir, `__gen_${n}.ts`), generateTypes({ ...l, name: n }, { origin: 'test', mode: 'builtin' })]));
    const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, noUnusedLocals: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, types: ['node'] };
    expect(typeCheck(files, options)).toEqual([]);
  }, 60_000);
});
