// Decoder status codes: mirror of assembly/status.ts (test/ring-layout.test.ts checks they agree).
/**
 * The decoder status codes: why a record was skipped (`truncated`, `badLength`, `unknownSource`,
 * `badValue`) or decoding stopped (`ringCorrupt`); `ok` is 0.
 *
 * @example
 * if (error instanceof DecodeError && error.status === Status.ringCorrupt) console.error('corrupt input');
 */
export const Status = {
  ok: 0,
  truncated: 1,
  badLength: 2,
  unknownSource: 3,
  ringCorrupt: 4,
  badValue: 5,
} as const;
/** A status code's name: a key of {@link Status}, as in `SourceStats.decodeErrors`. */
export type StatusName = keyof typeof Status;
export const STATUS_COUNT = 6;
export const statusNames = Object.keys(Status) as StatusName[];
