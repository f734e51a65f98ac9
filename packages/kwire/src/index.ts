// kwire's public API, grouped by purpose. Everything not listed here is internal; the generators, the
// BTF parser, record kinds and producers are in the `kwire/gen` subpath (gen.ts).

// Live sources: cold, shared Observables of batches (and their event and raw-frame forms).
export { execs, execEvents, execRaw } from './generated/exec.js';
export { exits, exitEvents, exitRaw } from './generated/exit.js';
export { flows, flowEvents } from './kinds/flow-probe.js';
export { loadgen } from './kinds/loadgen-source.js';
export { procs, procEvents, procRaw, procLivePids } from './kinds/proc-source.js';
export { findDeletedProcesses, readProcess } from './kinds/proc-scan.js';
export { source } from './pipeline/user-source.js';
export type { KernelSource } from './pipeline/source.js';
export type { ExecOptions } from './kinds/exec.js';
export type { ProcessOptions } from './kinds/process-options.js';
export type { ExitOptions } from './kinds/exit.js';
export type { FlowOptions, FlowCurvePoint, FlowAttach } from './kinds/flow.js';
export type { FlowConsumer, FlowMode, FlowStats, ConsumerStats } from './kinds/flow-consumer.js';
export type { FlowProbeStats } from './kinds/flow-probe.js';
export type { ProcSourceOptions } from './kinds/proc.js';
export type { ProcEventsOptions, ProcEventSource, ProcSource, ProcStats, ProcSourceStats } from './kinds/proc-source.js';
export type { ProcInfo } from './kinds/proc-scan.js';
export type { LoadgenOptions, LoadgenStats, LoadgenSource } from './kinds/loadgen-source.js';
export type { SourceOptions } from './pipeline/user-source.js';
export type { Transport, TransportOptions } from './pipeline/transport.js';
export { defaultCurve, defaultCgroupRoot } from './kinds/flow-producer.js';

// What a source emits: a batch of typed-array columns per record kind, and one event object per record.
export type { Batch } from './pipeline/batch.js';
export { ExecBatch } from './generated/exec.js';
export { ExecFlags } from './kinds/exec.js';
export type { ExecEvent } from './kinds/exec.js';
export { ExitBatch } from './generated/exit.js';
export { ExitFlags, exitText } from './kinds/exit.js';
export type { ExitEvent } from './kinds/exit.js';
export { FlowBatch } from './generated/flow.js';
export { FlowKind } from './kinds/flow.js';
export type { FlowEvent, FlowKindName } from './kinds/flow.js';
export { ProcBatch } from './generated/proc.js';
export { ProcWhat, procEventNames } from './kinds/proc.js';
export type {
  ProcEvent, ProcEventName, ProcForkEvent, ProcExecEvent, ProcUidEvent, ProcGidEvent, ProcSidEvent, ProcPtraceEvent, ProcCommEvent,
  ProcCoredumpEvent, ProcExitEvent, ProcAckEvent,
} from './kinds/proc.js';
export type { ProcEnrichedEvent, ProcEnrichment, ProcTrackerStats } from './kinds/proc-tracker.js';
export { LoadgenBatch } from './generated/loadgen.js';
export type { LoadgenEvent, LoadgenRow } from './generated/loadgen.js';
export { RawFrames } from './pipeline/raw-frames.js';
export type { RawFrame } from './pipeline/raw-frames.js';

// Operators and counters.
export { toEvents } from './pipeline/operators.js';

// Composition: answers built from the sources, on live streams and replays alike.
export { topTalkers } from './compose/top-talkers.js';
export type { TopTalkersOptions, TopTalker, TopTalkers } from './compose/top-talkers.js';
export type { KeyValue } from './compose/flow-keys.js';
export type { FlowColumnsIn } from './compose/flow-sums.js';
export { newFlows, longLivedFlows } from './compose/flow-detectors.js';
export type { DetectorBatch, DetectorStats, NewFlowsOptions, LongLivedFlowsOptions } from './compose/flow-detectors.js';
export { processes, trackProcesses } from './compose/processes.js';
export type { ProcessesOptions, ProcessSource, TrackProcessesOptions } from './compose/processes.js';
export { ProcessTable } from './compose/process-table.js';
export type { ProcessTableOptions, ProcessTableStats } from './compose/process-table.js';
export type { ProcessRecord, ProcessChange, ProcessOrigin, ProcessInput, ProcForkInput, ProcExecInput, ProcExitInput } from './compose/process-record.js';
export { scanProcesses } from './compose/proc-scan.js';
export { health } from './compose/health.js';
export type { HealthOptions, SourceHealth, LossByCause, StatsSource } from './compose/health.js';
export { Enricher } from './enrich/enricher.js';
export type { EnricherOptions, EnricherStats, CacheStats } from './enrich/enricher.js';
export { enrich } from './enrich/enrich.js';
export type { Enrichment } from './enrich/enrich.js';
export { cgroupInfo } from './enrich/containers.js';
export type { CgroupInfo, ContainerRef } from './enrich/containers.js';
export type { SocketOwner } from './enrich/sockets.js';
export type { SourceStats } from './pipeline/stats.js';
export { totalDecodeErrors } from './pipeline/stats.js';

// Decoding frames outside a live source (captures, tests): the same WASM decoders.
export { FrameDecoder } from './pipeline/frames.js';
export type { FrameDecodeResult } from './pipeline/frames.js';
export type { RecordDecoder } from './pipeline/record-decoder.js';
export { execDecoder } from './generated/exec.js';
export { exitDecoder } from './generated/exit.js';
export { flowDecoder } from './generated/flow.js';
export { loadgenDecoder } from './generated/loadgen.js';
export { procDecoder } from './generated/proc.js';
export { rawDecoder } from './pipeline/raw-frames.js';
export { Status } from './pipeline/status.js';
export type { StatusName } from './pipeline/status.js';
export { SourceId } from './generated/kinds.js';
export type { KindName } from './generated/kinds.js';

// Your own BPF structs: layouts declared or read from BTF, decoders compiled at run time.
export { defineLayout, bytes, cstring, array, utf8, utf16 } from './layout/layout.js';
export type {
  Layout, LayoutSpec, Field, FieldSpec, FieldType, FieldKind, ScalarType, IntType, BigEndianType, TailSpec,
  StringType, VarLength, VarField, Variant, VariantSpec, Union, UnionSpec, DerivedSpec,
} from './layout/layout.js';
export { layoutFromBtf } from './layout/btf.js';
export type { BtfImportOptions } from './layout/btf.js';
export { defineDecoder, USER_SOURCE_ID } from './layout/define-decoder.js';
export type { DefineDecoderOptions, LayoutDecoder } from './layout/define-decoder.js';
export { LayoutBatch } from './layout/layout-batch.js';

// Captures: record raw frames to a file, replay them anywhere; events as MessagePack.
export { record, liveRawSources } from './capture/record.js';
export type { RecordProgress, RecordOptions, RawFrameSource } from './capture/record.js';
export { replay } from './capture/replay.js';
export type { Replay, ReplayBatch, ReplayOptions, ReplayStats, ReplayInput } from './capture/replay.js';
export { CaptureReader } from './capture/reader.js';
export type { CaptureIssue, ReadEntry } from './capture/reader.js';
export { fileSink, memorySink } from './capture/writer.js';
export type { CaptureSink } from './capture/writer.js';
export { registerCaptureSource, captureSource, captureSourceNames } from './capture/registry.js';
export type { CaptureSource, RawOpenOptions } from './capture/registry.js';
export { CAPTURE_FORMAT, CAPTURE_VERSION } from './capture/format.js';
export type { CaptureHeader, CaptureChunk, CaptureTrailer, CaptureEntry, CaptureSourceInfo } from './capture/format.js';
export { EventEncoder, EventDecoder, ADDRESS_FIELDS } from './capture/msgpack.js';
export type { MsgpackOptions } from './capture/msgpack.js';

// The exit-status store: exits of chosen pids kept in pinned maps, across processes.
export { ExitStore, EXIT_STORE_DIR } from './kinds/exit-store.js';
export type { ExitStoreOptions, TracingTask, ExitStatus } from './kinds/exit-store.js';
export { decodeWaitStatus, encodeWaitStatus } from './kinds/wait-status.js';
export type { WaitStatus } from './kinds/wait-status.js';
export { ensureBpffs, BPF_FS_MAGIC } from './platform/bpffs.js';

// Errors and privileges: typed, with a stable `code`.
export { KwireError, PermissionError, NotSupportedError, DecodeError, isKwireError, isPermissionError } from './errors.js';
export type { KwireErrorCode } from './errors.js';
export { missingTracingCapabilities, missingNetworkCapabilities, missingProcConnectorCapabilities } from './platform/capabilities.js';

// Small helpers: the kernel's clock, IP addresses.
export { bootTimeNs } from './platform/boot-time.js';
export { ipToBytes, bytesToIp } from './platform/ip.js';
