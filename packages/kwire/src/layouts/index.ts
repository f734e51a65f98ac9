// Built-in layouts and where their generated files go (`kwire gen --builtin`; test/generated.test.ts
// regenerates and diffs, and checks each layout against the BTF of its compiled BPF object).
import type { Layout } from '../layout/layout.js';
import { SourceId, type SourceName } from '../sources.js';
import { execLayout } from './exec.js';
import { exitLayout } from './exit.js';
import { flowLayout } from './flow.js';
import { loadgenLayout } from './loadgen.js';

export interface BuiltinLayout {
  layout: Layout;
  source: SourceName;
  sourceId: number;
  /** Declaring file, repo-relative. */
  origin: string;
  /** BPF object name in bpf/.output whose BTF must match. */
  object: string;
}

export const builtinLayouts: readonly BuiltinLayout[] = [
  { layout: execLayout, source: 'exec', sourceId: SourceId.exec, origin: 'packages/kwire/src/layouts/exec.ts', object: 'exec' },
  { layout: exitLayout, source: 'exit', sourceId: SourceId.exit, origin: 'packages/kwire/src/layouts/exit.ts', object: 'exit' },
  { layout: flowLayout, source: 'flow', sourceId: SourceId.flow, origin: 'packages/kwire/src/layouts/flow.ts', object: 'flow' },
  { layout: loadgenLayout, source: 'loadgen', sourceId: SourceId.loadgen, origin: 'packages/kwire/src/layouts/loadgen.ts', object: 'loadgen' },
];
