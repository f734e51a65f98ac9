// Source ids carried in frame headers: mirror of assembly/sources.ts.
export const SourceId = { exec: 1, exit: 2, flow: 3, proc: 4, loadgen: 5 } as const;
export type SourceName = keyof typeof SourceId;
