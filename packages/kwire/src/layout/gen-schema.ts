// JSON Schemas of the events the CLI prints (`--json`), one per record kind, generated from the kinds'
// declarations: the TypeScript type of the object a kind prints (`cli.json`'s result, else its
// `event`'s) read with the TypeScript compiler, with the event type's doc comments as descriptions;
// then the JSON rule itself (`shapeOf`, what the CLI applies to every event) is run on a sample event
// built from that type, so the schema holds exactly the fields it prints, in its order, and the
// types it gives them (a number it widens to a bigint, a field it adds), bigints as decimal strings
// (cli/src/output.ts jsonLine). A change to an event type, a kind's JSON shape or the rule changes
// the schemas, and scripts/check-generated.sh notices.
// Needs the kinds' sources (the repository), and TypeScript (a devDependency, loaded when called).
import type TS from 'typescript';
import { KwireError } from '../errors.js';
import type { AnyKind } from '../pipeline/kind.js';

/** The JSON Schema draft the schemas are written in (ajv's default). */
export const SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** How a bigint prints in JSON lines: the CLI's one rule for 64-bit values (cli/src/output.ts jsonLine). */
const BIGINT_SCHEMA = { type: 'string', pattern: '^-?[0-9]+$' };
const BIGINT_NOTE = '64-bit, as a decimal string.';

type Schema = Record<string, unknown>;

/** The JSON rule: the object the CLI prints for an event of `kind` (before bigints become strings). */
export type JsonShapeOf = (kind: AnyKind) => (event: object) => object;

/** The rule of the CLI's event writer: a kind's declared `cli.json` object, else the event itself. */
export const declaredJsonShape: JsonShapeOf = (kind) => (event) => (kind.cli?.json ? (kind.cli.json as (e: object) => object)(event) : event);

/**
 * The JSON Schema of each kind's JSON lines, file name (`<kind>.schema.json`) → text, for the kinds
 * that the CLI prints (those with `cli`). `sourceOf(kind)` is the path of its declaration's source.
 *
 * @example
 * const files = await generateSchemas(kinds, (k) => `packages/kwire/src/kinds/${k.name}.ts`, (k) => `kinds/${k.name}.ts`);
 * @throws KwireError EINVAL_ARGUMENT for a JSON shape with a type that has no JSON rule (a Uint8Array, a function).
 */
export async function generateSchemas(
  kinds: readonly AnyKind[],
  sourceOf: (kind: AnyKind) => string,
  origin: (kind: AnyKind) => string,
  shapeOf: JsonShapeOf = declaredJsonShape,
): Promise<Map<string, string>> {
  const ts = (await import('typescript')).default;
  const printed = kinds.filter((k) => k.cli);
  const program = ts.createProgram(printed.map(sourceOf), {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, string>();
  for (const kind of printed) {
    const file = program.getSourceFile(sourceOf(kind));
    if (!file) throw new KwireError('EINVAL_ARGUMENT', `generateSchemas(): no source ${sourceOf(kind)} for kind ${kind.name}`);
    const spec = findDeclaration(ts, file, kind.name);
    const returnOf = (name: string, within: TS.ObjectLiteralExpression | undefined): TS.Type | undefined => {
      const init = property(ts, within, name);
      return init ? checker.getTypeAtLocation(init).getCallSignatures()[0]?.getReturnType() : undefined;
    };
    const cli = property(ts, spec, 'cli');
    const eventType = returnOf('event', spec);
    const shape = returnOf('json', cli && ts.isObjectLiteralExpression(cli) ? cli : undefined) ?? eventType;
    if (!shape) throw new KwireError('EINVAL_ARGUMENT', `generateSchemas(): kind ${kind.name} has neither cli.json nor event to take its JSON shape from`);
    const mapper = new SchemaMapper(ts, checker, kind, eventType, file);
    const declared = mapper.schema(shape, kind.name) as unknown as ObjectSchema | { anyOf: ObjectSchema[] };
    const print = (sample: unknown): Record<string, unknown> => {
      try {
        return shapeOf(kind)(sample as object) as Record<string, unknown>;
      } catch (cause) {
        throw new KwireError('EINVAL_ARGUMENT', `generateSchemas(): kind ${kind.name}: its JSON rule failed on a sample event: ${(cause as Error).message}`, { cause });
      }
    };
    let body: ObjectSchema | { anyOf: ObjectSchema[] };
    if ('anyOf' in declared) {
      // A tagged union (proc's events): each variant as the rule prints a sample of it, matched by type.
      const whole = eventType ?? shape;
      const members = whole.isUnion() ? whole.types : [whole];
      const printedByType = new Map(members.map((m) => print(mapper.sample(m))).map((p) => [p.type, p]));
      // Keys of other branches are not this branch's, even where one sample (of the same type) has them
      // (exec's errno, only in failed execs); keys no branch declares are the rule's own (time).
      const declaredKeys = new Set(declared.anyOf.flatMap((b) => Object.keys(b.properties)));
      body = { anyOf: declared.anyOf.map((branch) => {
        const printed = printedByType.get((branch.properties.type as { const?: unknown } | undefined)?.const);
        if (!printed) return branch;
        const own = Object.fromEntries(Object.entries(printed).filter(([k]) => k in branch.properties || !declaredKeys.has(k)));
        return asPrinted(branch, own);
      }) };
    } else {
      body = asPrinted(declared, print(mapper.sample(eventType ?? shape)));
    }
    const schema = {
      $comment: `Code generated by scripts/generate.mjs from ${origin(kind)}; DO NOT EDIT.`,
      $schema: SCHEMA_DRAFT,
      title: `kwire ${kind.name} event`,
      description: `${kind.doc.summary} One JSON line of the kwire CLI (--json), live or replayed.`,
      ...body,
    };
    out.set(`${kind.name}.schema.json`, JSON.stringify(schema, null, 2) + '\n');
  }
  return out;
}

interface ObjectSchema {
  type: 'object';
  properties: Record<string, Schema>;
  required: string[];
  additionalProperties: false;
}

const jsonType = (value: unknown): string =>
  value instanceof Uint8Array ? 'string' : typeof value === 'bigint' ? 'bigint' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? 'number' : typeof value;
const schemaType = (schema: Schema): string =>
  schema.pattern === BIGINT_SCHEMA.pattern ? 'bigint' : schema.type === 'integer' ? 'number' : String(schema.type ?? 'any');

/** The declared object schema as the rule prints it: its keys in its order; a field whose value the
 *  rule changed (a number it widens to a bigint) or added (a time) typed by the value it printed. */
function asPrinted(declared: ObjectSchema, printed: Record<string, unknown>): ObjectSchema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [key, value] of Object.entries(printed)) {
    const own = declared.properties[key];
    if (own && (schemaType(own) === jsonType(value) || own.anyOf !== undefined)) {
      properties[key] = own;
      if (declared.required.includes(key)) required.push(key);
      continue;
    }
    const described = own?.description ? String(own.description).replace(` ${BIGINT_NOTE}`, '') : '';
    const t = jsonType(value);
    const schema: Schema = t === 'bigint' ? { ...BIGINT_SCHEMA } : t === 'number' ? { type: 'number' } : { type: t };
    const doc = [described, t === 'bigint' ? BIGINT_NOTE : ''].filter(Boolean).join(' ');
    properties[key] = { ...(doc ? { description: doc } : {}), ...schema };
    if (!own || declared.required.includes(key)) required.push(key); // what the rule adds is always there
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function findDeclaration(ts: typeof TS, file: TS.SourceFile, name: string): TS.ObjectLiteralExpression {
  let found: TS.ObjectLiteralExpression | undefined;
  const visit = (node: TS.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'defineKind') {
      const arg = node.arguments[0];
      if (arg && ts.isObjectLiteralExpression(arg)) {
        const n = property(ts, arg, 'name');
        if (n && ts.isStringLiteral(n) && n.text === name) found = arg;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!found) throw new KwireError('EINVAL_ARGUMENT', `generateSchemas(): ${file.fileName} has no defineKind({ name: '${name}', … })`);
  return found;
}

function property(ts: typeof TS, object: TS.Node | undefined, name: string): TS.Expression | undefined {
  if (!object || !ts.isObjectLiteralExpression(object)) return undefined;
  for (const p of object.properties) {
    if (!p.name || !ts.isIdentifier(p.name) || p.name.text !== name) continue;
    if (ts.isPropertyAssignment(p)) return p.initializer;
    if (ts.isMethodDeclaration(p)) return p as unknown as TS.Expression;
  }
  return undefined;
}

class SchemaMapper {
  constructor(
    private readonly ts: typeof TS,
    private readonly checker: TS.TypeChecker,
    private readonly kind: AnyKind,
    private readonly eventType: TS.Type | undefined,
    private readonly at: TS.Node,
  ) {}

  schema(type: TS.Type, path: string, field?: string): Schema {
    const { ts, checker } = this;
    const f = type.flags;
    if (type.isUnion()) {
      const members = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
      if (members.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { type: 'boolean' };
      if (members.every((t) => t.isStringLiteral())) return { type: 'string', enum: members.map((t) => (t as TS.StringLiteralType).value) };
      const nullable = members.some((t) => t.flags & ts.TypeFlags.Null);
      const rest = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
      const inner = rest.length === 1 ? this.schema(rest[0]!, path, field) : { anyOf: rest.map((t) => this.schema(t, path, field)) };
      return nullable ? { anyOf: [inner, { type: 'null' }] } : inner;
    }
    if (f & ts.TypeFlags.StringLiteral) return { type: 'string', const: (type as TS.StringLiteralType).value };
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.NumberLike) return { type: this.isIntegerField(field) ? 'integer' : 'number' };
    if (f & ts.TypeFlags.BigIntLike) return { ...BIGINT_SCHEMA };
    if (f & ts.TypeFlags.BooleanLike) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    // Raw bytes (exec's argsRaw): JSON holds their escape form (\xHH for bytes that are not printable
    // UTF-8, \\ for a backslash); MessagePack holds the bytes.
    if (type.symbol?.name === 'Uint8Array') return { type: 'string' };
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const element = checker.getTypeArguments(type as TS.TypeReference)[0];
      if (!element) throw this.noRule(path, type);
      return { type: 'array', items: this.schema(element, `${path}[]`) };
    }
    if (f & ts.TypeFlags.Object && !type.getCallSignatures().length && !/Array$/.test(type.symbol?.name ?? '')) {
      const properties: Record<string, Schema> = {};
      const required: string[] = [];
      for (const p of checker.getPropertiesOfType(type)) {
        const topLevel = path === this.kind.name;
        const propType = topLevel ? this.narrowed(p) : checker.getTypeOfSymbolAtLocation(p, this.at);
        const schema = this.schema(propType, `${path}.${p.name}`, topLevel ? p.name : undefined);
        const doc = [this.docOf(p, topLevel), propType.flags & ts.TypeFlags.BigIntLike ? BIGINT_NOTE : ''].filter(Boolean).join(' ');
        properties[p.name] = { ...(doc ? { description: doc } : {}), ...schema };
        if (!(p.flags & ts.SymbolFlags.Optional)) required.push(p.name);
      }
      return { type: 'object', properties, required, additionalProperties: false };
    }
    throw this.noRule(path, type);
  }

  /** A value of `type` (an event the rule can be run on): literals as declared, 1 for numbers, 1n for bigints. */
  sample(type: TS.Type): unknown {
    const { ts, checker } = this;
    if (type.isUnion()) {
      const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
      return members.length ? this.sample(members[0]!) : null;
    }
    const f = type.flags;
    if (f & ts.TypeFlags.StringLiteral) return (type as TS.StringLiteralType).value;
    if (f & ts.TypeFlags.String) return 'x';
    if (f & ts.TypeFlags.NumberLike) return 1;
    if (f & ts.TypeFlags.BigIntLike) return 1n;
    if (f & ts.TypeFlags.BooleanLiteral) return (type as { intrinsicName?: string }).intrinsicName === 'true';
    if (f & ts.TypeFlags.BooleanLike) return false;
    if (checker.isArrayType(type) || checker.isTupleType(type)) return [];
    if (type.symbol?.name === 'Uint8Array') return new Uint8Array(1);
    if (f & ts.TypeFlags.Object) {
      const out: Record<string, unknown> = {};
      for (const p of checker.getPropertiesOfType(type)) out[p.name] = this.sample(checker.getTypeOfSymbolAtLocation(p, this.at));
      return out;
    }
    return undefined;
  }

  /** A JSON shape's literal widens (`type: 'flow'` is a string there): where the event type's property
   *  of the same name is narrower and still fits, it says what the field holds. */
  private narrowed(p: TS.Symbol): TS.Type {
    const shape = this.checker.getTypeOfSymbolAtLocation(p, this.at);
    const same = this.eventType && this.checker.getPropertyOfType(this.eventType, p.name);
    if (!same) return shape;
    const event = this.checker.getTypeOfSymbolAtLocation(same, this.at);
    return this.checker.isTypeAssignableTo(event, shape) ? event : shape;
  }

  /** A top-level field the layout declares as an integer prints as a JSON integer. */
  private isIntegerField(name: string | undefined): boolean {
    const field = name === undefined ? undefined : this.kind.layout.fields.find((x) => x.name === name);
    return field?.kind === 'int';
  }

  /** The property's doc comment, else (top level) that of the event type's property of the same name. */
  private docOf(p: TS.Symbol, topLevel: boolean): string {
    const own = this.ts.displayPartsToString(p.getDocumentationComment(this.checker));
    if (own || !topLevel || !this.eventType) return own;
    const same = this.checker.getPropertyOfType(this.eventType, p.name);
    return same ? this.ts.displayPartsToString(same.getDocumentationComment(this.checker)) : '';
  }

  private noRule(path: string, type: TS.Type): KwireError {
    return new KwireError('EINVAL_ARGUMENT', `generateSchemas(): kind ${this.kind.name}: ${path} is a ${this.checker.typeToString(type)}, which has no JSON rule`);
  }
}
