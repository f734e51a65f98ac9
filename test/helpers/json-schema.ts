// The JSON lines the CLI prints, parsed and each validated with ajv against the JSON Schema of its
// event type (packages/kwire/schemas/, generated from the kinds; or an installed package's schemas/).
// Tests that run `kwire exec|exit|flows|replay --json` read their output through this.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { repoPath } from './repo.js';

const validators = new Map<string, Map<string, ValidateFunction>>();

/** The validators of the schemas in `dir`, by event type (the file name's stem). */
export function schemaValidators(dir = repoPath('packages/kwire/schemas')): Map<string, ValidateFunction> {
  let found = validators.get(dir);
  if (found) return found;
  const ajv = new Ajv({ allErrors: true, strict: true });
  found = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
    found.set(file.replace(/\.schema\.json$/, ''), ajv.compile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as object));
  }
  validators.set(dir, found);
  return found;
}

/** A line's object, loosely typed as JSON.parse's result is: tests pick the fields they check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonEvent = Record<string, any>;

/** Every non-empty line of `stdout` as an object, each valid against its type's schema; throws naming the line and what is wrong. */
export function validateJsonLines(stdout: string, dir?: string): JsonEvent[] {
  const schemas = schemaValidators(dir);
  return stdout.split('\n').filter(Boolean).map((line, i) => {
    const event = JSON.parse(line) as JsonEvent;
    const type = String(event.type);
    const validate = schemas.get(type);
    if (!validate) throw new Error(`line ${i + 1}: no JSON Schema for type ${type}: ${line}`);
    if (!validate(event)) throw new Error(`line ${i + 1} does not match ${type}.schema.json: ${JSON.stringify(validate.errors)}: ${line}`);
    return event;
  });
}
