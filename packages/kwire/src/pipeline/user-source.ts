// source({ object, map, decoder }): records of a user's own BPF object's ring buffer through the
// same pipeline as the built-in sources (shared ring, WASM decoder, batches, stats).
import { resolve } from 'node:path';
import { KwireError } from '../errors.js';
import { checkInputFile, checkOptions, checkRingCapacity, invalidArgument } from '../validate.js';
import { kernelSource, type KernelSource } from './source.js';
import { bpfProducer } from '../producers/bpf.js';
import type { RecordDecoder } from './record-decoder.js';
import { wakeOptions, type TransportOptions } from './transport.js';

export interface SourceOptions<B> {
  /** Path to the BPF object (ELF with BTF). */
  object: string;
  /** Name of its BPF_MAP_TYPE_RINGBUF map. */
  map: string;
  /** From defineDecoder(layout). */
  decoder: RecordDecoder<B>;
  /** Global variables to set before load, name → bytes. Default: none. */
  globals: Record<string, Uint8Array>;
  /** A u64 global counting the kernel side's dropped records, reported as lost.kernel. Default: none. */
  droppedGlobal: string;
  /** Shared ring size in bytes, a power of two. Default: 4 MiB. */
  ringCapacity: number;
  /** Records per batch at most. Default: 1024. */
  batchSize: number;
  /** Who reads the ring buffer (TransportOptions.wake). Default 'adaptive'. */
  wake: TransportOptions['wake'];
  /** JS-thread reads at most once per this many ms (TransportOptions.latencyBoundMs). Default 0. */
  latencyBoundMs: number;
}

/**
 * A source of your own BPF object: its ring buffer map `map` decoded by `decoder` (from
 * {@link defineDecoder}); a cold, shared Observable of batches like the built-in sources.
 *
 * @example
 * const hits = source({ object: 'hello.bpf.o', map: 'events', decoder: await defineDecoder(layout) });
 * @throws KwireError EINVAL_ARGUMENT for a bad option or a missing object file (before anything opens);
 *   on subscribe, PermissionError naming the missing capabilities, or KwireError ENATIVE.
 */
export function source<B>(options: Readonly<Pick<SourceOptions<B>, 'object' | 'map' | 'decoder'>> & Readonly<Partial<SourceOptions<B>>>): KernelSource<B> {
  const fn = 'source()';
  if (typeof options !== 'object' || options === null) invalidArgument(fn, 'needs options { object, map, decoder }');
  const { object, map, decoder, ringCapacity = 4 << 20, batchSize = 1024 } = options;
  if (typeof object !== 'string' || typeof map !== 'string' || !decoder) {
    throw new KwireError('EINVAL_ARGUMENT', 'source(): needs options { object: a path, map: a name, decoder }');
  }
  if (typeof decoder !== 'object' || typeof decoder.init !== 'function' || typeof decoder.decode !== 'function' || typeof decoder.batch !== 'function') {
    invalidArgument(fn, 'decoder must be a RecordDecoder, from await defineDecoder(layout)');
  }
  checkInputFile(fn, 'BPF object', object);
  checkOptions(fn, options.globals, 'globals');
  for (const [name, bytes] of Object.entries(options.globals ?? {})) {
    if (!(bytes instanceof Uint8Array)) invalidArgument(fn, `globals.${name} must be a Uint8Array (the variable's bytes)`);
  }
  checkRingCapacity(fn, ringCapacity);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1 << 20) {
    throw new KwireError('EINVAL_ARGUMENT', `source(): batchSize must be an integer in 1..2^20, got ${batchSize}`);
  }
  const producer = bpfProducer({
    what: `tracing ${decoder.source} events`,
    object: resolve(object),
    map,
    globals: options.globals ?? {},
    ...(options.droppedGlobal ? { droppedGlobal: options.droppedGlobal } : {}),
    ...wakeOptions(options, fn),
  });
  return kernelSource({ producer, decoder, ringCapacity, batchSize });
}
