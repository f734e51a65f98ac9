// Generates what mirrors a record kind's declaration (pipeline/kind.ts) in TypeScript: its batch class
// (typed columns, string accessors, get/iterate/select), its RecordDecoder over the generated WASM
// decoder, and its source functions; plus the kinds table (source ids, capture registrations) and the
// decoders module's entry (assembly/index.ts).
import type { AnyKind as Kind } from '../pipeline/kind.js';
import { layoutColumns, typedArrayName, elementSize, type Column } from './columns.js';
import { assemblyExports } from './gen-assembly.js';
import { hasHeap, isExtendedLayout } from './layout.js';

const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);
/** The source function's name: the kind's name plus 's' (exec → execs, flow → flows). */
export const sourceFunctionName = (kind: Kind): string => `${kind.name}s`;

/** A column's property name on the batch: byte columns behind a string accessor get a Bytes suffix. */
function property(c: Column): string {
  const k = c.field?.kind;
  return k === 'cstring' || k === 'ip4' || k === 'ip6' || k === 'ip' || k === 'bytes' ? `${c.name}Bytes` : c.name;
}

/** Elements per record of a column's typed array (0: the string heap). */
const perRecord = (c: Column) => (c.role === 'heap' ? 0 : c.width / elementSize(c.element));

export function generateKindTypes(kind: Kind, origin: string): string {
  const layout = kind.layout;
  const p = kind.name;
  const P = pascal(p);
  const cols = layoutColumns(layout);
  const B = `${P}Batch`;
  const E = `${P}Event`;
  const lines: string[] = [];
  const w = (s = '') => lines.push(s);
  const tail = layout.tail;
  const kinds = new Set(cols.map((c) => c.field?.kind));
  w();
  w(`// The ${p} kind (${origin}): its batch, decoder and sources.`);
  const K = `${p}Kind`;
  const names = [(kind.event || kind.accessors || kind.sourceFunctions !== false) && K, kind.event && `type ${E}`, kind.sourceFunctions !== false && `type ${P}Options`].filter(Boolean);
  if (names.length) w(`import { ${names.join(', ')} } from '../kinds/${p}.js';`);
  w(`import type { Batch } from '../pipeline/batch.js';`);
  if (kind.sourceFunctions !== false) w(`import { kindRaw, kindSource } from '../pipeline/kind.js';`);
  if (kind.sourceFunctions !== false) w(`import { eventsOf, type EventSource } from '../pipeline/event-source.js';`);
  if (kind.sourceFunctions !== false) w(`import type { RawFrames } from '../pipeline/raw-frames.js';`);
  w(`import type { RecordDecoder } from '../pipeline/record-decoder.js';`);
  if (kind.sourceFunctions !== false) w(`import type { KernelSource } from '../pipeline/source.js';`);
  const helpers = [kinds.has('cstring') && 'cString', (kinds.has('ip4') || kinds.has('ip6') || kinds.has('ip')) && 'ipString', tail && 'nulSeparated'].filter(Boolean);
  // an extended layout's types (generateTypes, above this) already import every helper its row needs
  if (helpers.length && !isExtendedLayout(layout)) w(`import { ${helpers.join(', ')} } from '../layout/values.js';`);
  w();
  if (!kind.event) {
    w(`/** One ${p} record as an object. */`);
    w(`export type ${E} = { type: '${p}' } & ${P}Row;`);
    w();
  }
  w(`/** ${P} records of one batch as columns: typed arrays with one element per record (strings stay bytes`);
  w(` *  until read). It owns its memory: valid after the emission that delivered it.`);
  w(' *');
  w(' * @example');
  w(` * ${sourceFunctionName(kind)}().subscribe((batch) => { for (const event of batch) console.log(event); });`);
  w(' */');
  w(`export class ${B} implements Batch<${E}> {`);
  w('  readonly length: number;');
  for (const c of cols) {
    const doc = c.role === 'heap' ? '/** The string heap: every record\'s tail bytes. */ ' : c.role === 'tailOffset' ? `/** Offset of each record's ${tail!.name} in strings. */ ` : c.role === 'tailLength' ? `/** Byte length of each record's ${tail!.name}. */ ` : property(c) !== c.name ? `/** ${c.width} bytes per record. */ ` : '';
    if (doc) w(`  ${doc.trim()}`);
    w(`  readonly ${property(c)}: ${typedArrayName[c.element]};`);
  }
  w();
  w(`  /** @internal A batch over columns copied out of the decoder (${p}Decoder.batch builds it). */`);
  w(`  constructor(c: ${P}Columns) {`);
  w('    this.length = c.length;');
  for (const c of cols) w(`    this.${property(c)} = c.${c.name};`);
  w('  }');
  for (const c of cols) {
    const f = c.field;
    if (!f || property(c) === c.name) continue;
    w();
    w(`  /** ${f.kind === 'cstring' ? `Record i's ${c.name} as text (up to its first NUL).` : f.kind === 'bytes' ? `A copy of record i's ${c.name}: its ${f.size} bytes.` : `Record i's ${c.name} as text (10.0.0.1, ::1).`} */`);
    if (f.kind === 'cstring') w(`  ${c.name}(i: number): string {\n    return cString(this.${property(c)}, i * ${f.size}, (i + 1) * ${f.size});\n  }`);
    else if (f.kind === 'bytes') w(`  ${c.name}(i: number): Uint8Array {\n    return this.${property(c)}.slice(i * ${f.size}, (i + 1) * ${f.size});\n  }`);
    else w(`  ${c.name}(i: number): string {\n    return ipString(this.${property(c)}, i * ${f.size}, '${f.kind}');\n  }`);
  }
  if (tail) {
    w();
    w(`  /** The NUL-separated strings of record i's ${tail.name}. */`);
    w(`  ${tail.name}(i: number): string[] {`);
    w(`    const start = this.${tail.name}Offset[i]!;`);
    w(`    return nulSeparated(this.strings, start, start + this.${tail.name}Length[i]!);`);
    w('  }');
  }
  for (const [name, a] of Object.entries(kind.accessors ?? {})) {
    w();
    w(`  /** ${a.doc ?? `Record i's ${name} (declared in kinds/${p}.ts).`} */`);
    w(`  ${name}(i: number): ${a.returns} {`);
    w(`    return ${K}.accessors!.${name}!.get(this, i) as ${a.returns};`);
    w('  }');
  }
  w();
  w('  /**');
  w(`   * Record i as one event object.`);
  w('   *');
  w('   * @throws RangeError when i is not an index of the batch.');
  w('   */');
  w(`  get(i: number): ${E} {`);
  w('    if (i >>> 0 !== i || i >= this.length) throw new RangeError(`index ${i} out of batch of ${this.length}`);');
  if (kind.event) w(`    return ${K}.event!(this, i);`);
  else {
    w(`    return { type: '${p}', ${cols.filter((c) => c.role === 'field' || c.role === 'derived').map((c) => `${c.name}: ${property(c) === c.name ? `this.${c.name}[i]!` : `this.${c.name}(i)`}`).join(', ')} };`);
  }
  w('  }');
  w();
  w('  /** Every record as an event object, in order. */');
  w(`  *[Symbol.iterator](): Iterator<${E}> {`);
  w('    for (let i = 0; i < this.length; i++) yield this.get(i);');
  w('  }');
  w();
  w('  /** A new batch of the given records, in that order. */');
  w(`  select(rows: readonly number[]): ${B} {`);
  w('    const n = rows.length;');
  w('    const pick = <T extends { [i: number]: number | bigint }>(from: T, to: T, stride: number): T => {');
  w('      for (let j = 0; j < n; j++) for (let s = 0; s < stride; s++) to[j * stride + s] = from[rows[j]! * stride + s]!;');
  w('      return to;');
  w('    };');
  w('    return new ' + B + '({');
  w('      length: n,');
  for (const c of cols) {
    if (c.role === 'heap') w(`      ${c.name}: this.${property(c)},`);
    else w(`      ${c.name}: pick(this.${property(c)}, new ${typedArrayName[c.element]}(${perRecord(c) === 1 ? 'n' : `n * ${perRecord(c)}`}), ${perRecord(c)}),`);
  }
  w('    });');
  w('  }');
  w('}');
  w();
  // What the decoder calls (the columns function calls <kind>Pack and <kind>HeapUsed itself).
  w('interface Exports {');
  w(`  ${p}Init(capacity: number${hasHeap(layout) ? ', heapCapacity: number' : ''}): void;`);
  w(`  ${p}Decode(): number;`);
  w(`  ${p}Status(): number;`);
  w(`  ${p}Errors(code: number): number;`);
  w('}');
  w(`const exports = (d: { exports: unknown }) => d.exports as Exports;`);
  w();
  w(`const new${B} = (c: ${pascal(p)}Columns): ${B} => new ${B}(c);`);
  w();
  w('/**');
  w(` * The ${p} decoder of the built-in decoders module (assembly/generated/${p}.ts): ${p} frames into ${B}es.`);
  w(' *');
  w(' * @example');
  w(` * const { batches } = new FrameDecoder(${p}Decoder).decode(frames);`);
  w(' */');
  w(`export const ${p}Decoder: RecordDecoder<${B}> = {`);
  w(`  source: '${p}',`);
  w(`  sourceId: ${kind.sourceId},`);
  if (hasHeap(layout)) {
    const heap = kind.heap ?? { bytesPerRecord: 512, max: 65536 };
    w(`  init: (d, batchSize) => exports(d).${p}Init(batchSize, Math.max(${heap.max}, batchSize * ${heap.bytesPerRecord})),`);
  } else w(`  init: (d, batchSize) => exports(d).${p}Init(batchSize),`);
  w(`  decode: (d) => exports(d).${p}Decode(),`);
  w(`  status: (d) => exports(d).${p}Status(),`);
  w(`  errors: (d, code) => exports(d).${p}Errors(code),`);
  w(`  batch: (d, n) => ${p}Take(d, n, new${B}),`);
  w('};');
  if (kind.sourceFunctions === false) return lines.join('\n') + '\n';
  const fn = sourceFunctionName(kind);
  w();
  w('/**');
  w(` * ${kind.doc.summary}`);
  w(` * A cold, shared Observable of ${B}es: subscribing starts the producer, the last unsubscribe stops it.`);
  w(' *');
  w(' * @example');
  w(` * ${fn}().subscribe((batch) => console.log(batch.length));`);
  w(` * @throws KwireError EINVAL_ARGUMENT for a bad option, NotSupportedError ENOTSUP_KERNEL for a kernel feature an`);
  w(' *   option needs and the kernel lacks (both before anything opens); on subscribe, PermissionError');
  w(' *   naming the missing capabilities, KwireError ENATIVE or ENOT_BUILT.');
  w(' */');
  w(`export function ${fn}(options: Readonly<Partial<${P}Options>> = {}): KernelSource<${B}> {`);
  w(`  return kindSource(${K}, ${p}Decoder, options, '${fn}()');`);
  w('}');
  w();
  w('/**');
  w(` * ${fn}() as one event object per record.`);
  w(' *');
  w(' * @example');
  w(` * ${kind.doc.example}`);
  w(` * @throws as ${fn}().`);
  w(' */');
  w(`export function ${p}Events(options: Readonly<Partial<${P}Options>> = {}): EventSource<${E}> {`);
  w(`  return eventsOf(${fn}(options));`);
  w('}');
  w();
  w('/**');
  w(` * ${fn}() as raw frames, undecoded (what captures store).`);
  w(' *');
  w(' * @example');
  w(` * record({ ${p}: ${p}Raw() }, '${p}.kwcap').subscribe();`);
  w(` * @throws as ${fn}().`);
  w(' */');
  w(`export function ${p}Raw(options: Readonly<Partial<${P}Options>> = {}): KernelSource<RawFrames> {`);
  w(`  return kindRaw(${K}, options, '${p}Raw()');`);
  w('}');
  return lines.join('\n') + '\n';
}

/** generated/kinds.ts: every built-in kind with its decoder, the source-id table and capture registrations. */
export function generateKindsTable(kinds: readonly Kind[]): string {
  const lines = ['// Code generated by kwire gen from packages/kwire/src/kinds/; DO NOT EDIT.', '// Every built-in record kind with its decoder; the capturable ones register for record and replay.'];
  lines.push(`import { registerKindCapture } from '../capture/registry.js';`);
  for (const k of kinds) lines.push(`import { ${k.name}Kind } from '../kinds/${k.name}.js';`, `import { ${k.name}Decoder } from './${k.name}.js';`);
  lines.push('');
  lines.push('/**', ' * Frame source ids of the built-in kinds, by kind name (the u16 in every frame header).', ' *', ' * @example', ` * new FrameDecoder(rawDecoder('${kinds[0]!.name}', SourceId.${kinds[0]!.name}))`, ' */');
  lines.push(`export const SourceId = { ${kinds.map((k) => `${k.name}: ${k.sourceId}`).join(', ')} } as const;`);
  lines.push('/** The name of a built-in kind: a key of SourceId. */', 'export type KindName = keyof typeof SourceId;');
  lines.push('');
  lines.push('/**', ' * The built-in kinds, by source id order, each with its decoder.', ' *', ' * @example', ' * for (const { kind, decoder } of builtinKinds) console.log(kind.name, decoder.sourceId);', ' */');
  lines.push(`export const builtinKinds = [\n${kinds.map((k) => `  { kind: ${k.name}Kind, decoder: ${k.name}Decoder },`).join('\n')}\n] as const;`);
  lines.push('');
  for (const k of kinds) if (k.capture) lines.push(`registerKindCapture(${k.name}Kind, ${k.name}Decoder);`);
  return lines.join('\n') + '\n';
}

/** assembly/index.ts: the decoders module's exports. */
export function generateAssemblyIndex(kinds: readonly Kind[]): string {
  const lines = [
    '// Code generated by kwire gen from packages/kwire/src/kinds/; DO NOT EDIT.',
    '// The decoders module: one WebAssembly instance per source, over one shared memory.',
    'export { alloc } from "./heap";',
    'export { cursorRing, cursorLinear, cursorOffset } from "./ring";',
    'export { rawInit, rawOutput, rawUsed, rawErrors, rawDecode, rawStatus } from "./raw";',
  ];
  for (const k of kinds) {
    lines.push(`export { ${assemblyExports(k.layout).join(', ')} } from "./generated/${k.name}";`);
    const hooks = k.hookExports;
    if (hooks?.length) lines.push(`export { ${hooks.join(', ')} } from "./${k.layout.hooks}";`);
  }
  return lines.join('\n') + '\n';
}
