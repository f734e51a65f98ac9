// Source ids carried in every frame header. Mirrored in packages/kwire/src/sources.ts.
export const SOURCE_EXEC: u16 = 1;
export const SOURCE_EXIT: u16 = 2;
export const SOURCE_FLOW: u16 = 3;
export const SOURCE_PROC: u16 = 4;
export const SOURCE_LOADGEN: u16 = 5;
