// Text columns of each source, for replay (the live commands use their own): one line per source.
import type { Column } from './output.js';
import { execColumns } from './commands/exec.js';

export const tables: Record<string, readonly Column<never>[]> = {
  exec: execColumns,
};
