// Record kinds beyond the built-in ones: KWIRE_KINDS names modules (paths, ':'-separated) that export
// kinds declared with defineKind (kwire/gen). Each is compiled and registered before the command runs,
// so `kwire replay` decodes and prints their captures like the built-in kinds'.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileKind, isKind } from 'kwire/gen';
import { addKindTables } from './tables.js';
import { UsageError } from './usage-error.js';

export async function loadKindModules(paths = process.env.KWIRE_KINDS): Promise<void> {
  for (const path of (paths ?? '').split(':').filter(Boolean)) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`KWIRE_KINDS: cannot load ${path}: ${(error as Error).message.split('\n')[0]}`);
    }
    const kinds = Object.values(module).filter(isKind);
    if (kinds.length === 0) throw new UsageError(`KWIRE_KINDS: ${path} exports no kind (declare one with defineKind from 'kwire/gen')`);
    for (const kind of kinds) {
      await compileKind(kind);
      addKindTables(kind);
    }
  }
}
