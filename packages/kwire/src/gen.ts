// kwire/gen: what builds kwire rather than uses it: record kinds and producers (the seam a new source
// plugs into), the layout generators, the in-process decoder compiler and kwire's own ELF/BTF reader.
// Stable enough for `kwire gen` and contributors; not needed to trace.

// Record kinds: one declaration each (packages/kwire/src/kinds/), the rest generated from it.
export { defineKind, isKind, kindSource, kindRaw, timeOffset } from './pipeline/kind.js';
export type { Kind, AnyKind, KindSpec, SourcePlan, CliColumn, TimeFormat, Accessor } from './pipeline/kind.js';
export { jsonShape, isoTime } from './pipeline/json-shape.js';
export { builtinKinds } from './generated/kinds.js';
export { registerKindCapture } from './capture/registry.js';
export { compileKind, KindBatch } from './pipeline/kind-runtime.js';
export type { CompiledKind } from './pipeline/kind-runtime.js';

// Producers: anything that fills a source's shared ring (pipeline/producer.ts).
export { kernelSource } from './pipeline/source.js';
export type { KernelSourceSpec } from './pipeline/source.js';
export type { Producer, ProducerContext, OpenProducer, ProducerCounters } from './pipeline/producer.js';
export { bpfProducer, u32Bytes } from './producers/bpf.js';
export { fdProducer } from './producers/fd.js';
export type { FdProducerSpec } from './producers/fd.js';
export type { BpfProducerSpec, StartedContext } from './producers/bpf.js';
export type { WakeMode } from './platform/addon.js';
export { resolveTransport } from './pipeline/transport.js';
export { etwProducer } from './producers/etw.js';

// The live ETW session's configuration: pure, computed here, carried out by the Windows addon.
export { etwSessionConfig, etwLiveOptions, etwDefaultBuffers, etwEnableFlags, etwRundownOrder, ETW_LIVE_CLASSES } from './kinds/etw-session.js';
export type { EtwSessionConfig, EtwHost, EtwRundownWay } from './kinds/etw-session.js';

// Generators and the decoder compiler.
export { generateAssembly } from './layout/gen-assembly.js';
export type { AssemblyOptions } from './layout/gen-assembly.js';
export { generateTypes, layoutSpec } from './layout/gen-types.js';
export type { TypesOptions } from './layout/gen-types.js';
export { generateC } from './layout/gen-c.js';
export { generateBuiltins } from './layout/builtin.js';
export { compileDecoders, cacheDirectory } from './layout/compile.js';
export type { CompileResult } from './layout/compile.js';
export { compareLayouts, layoutHash, hasHeap, isExtendedLayout } from './layout/layout.js';
export { sidString, utf8Text, utf16Text } from './layout/values.js';

// ELF and BTF.
export { parseBtf, elfSection } from './layout/btf.js';
export type { BtfType } from './layout/btf.js';

export type { DecoderInstance, DecoderExports } from './pipeline/decoders.js';

// Decoded batches as bytes and back (transports such as @kwire/nats).
export { batchSlab, batchFromSlab } from './pipeline/batch-slab.js';
export type { BatchSlab } from './pipeline/batch-slab.js';
