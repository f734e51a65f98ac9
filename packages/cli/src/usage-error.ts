/** A mistake in the command line: printed with a hint to --help, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
