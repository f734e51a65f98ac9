// What the common output options set up for a command's run: the TIME column's clock and the -o file.
import type { CommonOptions } from './common-options.js';
import { outputToFile } from './output-file.js';
import { setTimeColumn } from './tables.js';

/** Applies --time-format/-t and -o/--rotate; returns what undoes them (closes the file). */
export function startOutput(options: Pick<CommonOptions, 'timeFormat' | 'output'>): () => void {
  if (options.timeFormat !== 'clock') setTimeColumn(options.timeFormat);
  return options.output ? outputToFile(options.output.path, options.output.rotate) : () => {};
}
