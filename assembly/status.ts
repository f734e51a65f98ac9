// Status codes shared by every decoder. TypeScript mirrors them in packages/kwire/src/status.ts
// (test/ring-layout.test.ts checks the two agree) and turns them into typed errors.
export const STATUS_OK: i32 = 0;
/** A frame shorter than its record's fixed head. */
export const STATUS_TRUNCATED: i32 = 1;
/** A record whose declared sizes disagree with its frame length. */
export const STATUS_BAD_LENGTH: i32 = 2;
/** A frame from a source this decoder does not handle. */
export const STATUS_UNKNOWN_SOURCE: i32 = 3;
/** The shared ring's header or a frame header is impossible (bad magic, frame past the end). */
export const STATUS_RING_CORRUPT: i32 = 4;
/** A field holds a value its layout forbids (e.g. an unknown kind). */
export const STATUS_BAD_VALUE: i32 = 5;
export const STATUS_COUNT: i32 = 6;
