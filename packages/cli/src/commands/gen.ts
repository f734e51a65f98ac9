// kwire gen: a user's own BPF struct → WASM decoder and types, from the BTF of their compiled object.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKwireError, layoutFromBtf, USER_SOURCE_ID, type FieldType } from 'kwire';
import { compileDecoders, generateAssembly, generateC, generateTypes } from 'kwire/gen';
import { writeOut } from '../output.js';
import { UsageError } from '../usage-error.js';
import { parseCommandLine } from '../parse.js';

export const genHelp = `kwire gen — generate a decoder for a struct of your own BPF object

Usage: kwire gen --btf OBJECT.bpf.o --type STRUCT [options]

Reads the struct's layout from the object's BTF (clang -g) and writes, into --out:
  NAME.decoder.ts   the AssemblyScript decoder (columns + string heap, status codes); it imports
                    ring.ts, status.ts and heap.ts from kwire's assembly/ sources, beside it
  NAME.wasm         that decoder compiled, ready for kwire
  NAME.types.ts     TypeScript row/columns types and the layout, for defineDecoder(NAMELayout)
  NAME.h            C _Static_asserts on sizeof/offsetof, to include after the struct

Options:
  --btf FILE         compiled BPF object, an ELF with a .BTF section: clang -g (required)
  --type NAME        struct name, without 'struct' (required)
  --name NAME        layout name (default: the struct name, camelCase, without _event)
  --out DIR          output directory (default: .)
  --as MEMBER=TYPE   override a member's type (ip4, ip6, ip, u16be, …); repeatable (default: the
                     type BTF gives, __be16/__be32 as big-endian, char[N] as a string)
  --tail-size MEMBER member holding the byte length of a trailing flexible array of strings
                     (default: <array>_size or <array>_len)
  --source-id N      frame source id, 1..65535 (default: ${USER_SOURCE_ID})
  --no-wasm          skip compiling the decoder (default: compile it)
  -h, --help         this help

Examples:
  kwire gen --btf build/my.bpf.o --type event --out src/generated --as saddr=ip4
  kwire gen --btf build/my.bpf.o --type event --no-wasm   # sources and types only`;

export async function genCommand(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, {
      btf: { type: 'string' },
      type: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string', default: '.' },
      as: { type: 'string', multiple: true },
      'tail-size': { type: 'string' },
      'source-id': { type: 'string' },
      'no-wasm': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
  if (values.help) {
    writeOut(genHelp + '\n');
    return;
  }
  if (!values.btf || !values.type) throw new UsageError(`--btf OBJECT and --type STRUCT are required${values.btf ? ` (the structs of ${values.btf}: bpftool btf dump file ${values.btf} | grep STRUCT)` : ''}`);
  const as: Record<string, FieldType> = {};
  for (const a of values.as ?? []) {
    const [member, type] = a.split('=');
    if (!member || !type) throw new UsageError(`--as wants MEMBER=TYPE (e.g. saddr=ip4), got '${a}'`);
    as[member] = type as FieldType;
  }
  const sourceId = values['source-id'] === undefined ? USER_SOURCE_ID : Number(values['source-id']);
  if (!Number.isInteger(sourceId) || sourceId < 1 || sourceId > 0xffff) throw new UsageError(`--source-id wants an integer in 1..65535, got '${values['source-id']}'`);
  let layout;
  try {
    layout = layoutFromBtf(values.btf, values.type, {
      as,
      ...(values.name ? { name: values.name } : {}),
      ...(values['tail-size'] ? { tailSize: values['tail-size'] } : {}),
    });
  } catch (error) {
    // The API's option names, in the command line's words.
    const m = isKwireError(error, 'EINVAL_ARGUMENT') ? /^layoutFromBtf\(\): (as|tailSize): (.*)$/.exec(error.message) : null;
    if (m) throw new UsageError(`${m[1] === 'as' ? '--as' : '--tail-size'}: ${m[2]}`);
    if (values.name && isKwireError(error, 'EINVAL_ARGUMENT') && error.message.includes(`layout ${values.name}: the name`)) throw new UsageError(`--name wants an identifier (letters, digits, _), got '${values.name}'`);
    // A struct that is not there, or a type --as does not know: mistakes on the command line, exit 2 like those above.
    const option = isKwireError(error, 'EINVAL_ARGUMENT') ? optionRefused(error.message.replace(/^[\w.]+\(\): /, ''), values.type) : undefined;
    if (option !== undefined) throw new UsageError(option);
    throw error;
  }
  const origin = `the BTF of ${values.btf} (struct ${values.type})`;
  const out = values.out!;
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = (file: string, content: string | Uint8Array) => {
    writeFileSync(join(out, file), content);
    written.push(join(out, file));
  };
  write(`${layout.name}.decoder.ts`, generateAssembly(layout, { sourceId, origin, assemblyDir: '.' }));
  write(`${layout.name}.types.ts`, generateTypes(layout, { origin, mode: 'user' }));
  write(`${layout.name}.h`, generateC(layout, { origin }));
  if (!values['no-wasm']) write(`${layout.name}.wasm`, (await compileDecoders([{ layout, sourceId }])).wasm);
  writeOut(`${layout.name}: ${layout.fields.length} fields, ${layout.size} bytes${layout.tail ? ` + tail ${layout.tail.c}` : ''}\n${written.map((w) => `  ${w}\n`).join('')}`);
}

/** A layout refusal that is about --type or --as, in the command line's words (else undefined: not a usage error). */
function optionRefused(message: string, type: string): string | undefined {
  if (message.startsWith(`no struct ${type} `)) return `--type: ${message}`;
  if (/^layout \w+: field \w+: unknown type /.test(message)) return `--as: ${message.replace(/^layout \w+: /, '')}`;
  return undefined;
}
