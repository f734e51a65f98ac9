// Decoder status codes: mirror of assembly/status.ts (test/ring-layout.test.ts checks they agree).
export const Status = {
  ok: 0,
  truncated: 1,
  badLength: 2,
  unknownSource: 3,
  ringCorrupt: 4,
  badValue: 5,
} as const;
export type StatusName = keyof typeof Status;
export const STATUS_COUNT = 6;
export const statusNames = Object.keys(Status) as StatusName[];
