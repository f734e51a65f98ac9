// The file-descriptor producer: records read from a file, pipe or socket by the addon's FdReader on a
// poll thread of its own (native/src/producers/fd_reader.*): no BPF. A stream is u32 little-endian
// length-prefixed records; a datagram socket gives one record per datagram. At the end of a stream
// the source drains what is left and completes; a read error ends it with a KwireError.
import { closeSync, openSync } from 'node:fs';
import type { FdReader } from '../platform/addon.js';
import { KwireError } from '../errors.js';
import type { OpenProducer, Producer, ProducerContext } from '../pipeline/producer.js';
import { loadAddon, nativeCall } from '../platform/native.js';
import { checkInteger, checkOneOf, checkOptions, checkString, invalidArgument } from '../validate.js';

export interface FdProducerSpec {
  /** What the source does, for messages ('reading toy records'). */
  what: string;
  /** A path opened read-only on open (and closed with the source), or an fd the caller keeps. */
  input: string | number;
  /** Default: 'datagram' for datagram sockets, else 'u32le'. */
  framing?: 'datagram' | 'u32le';
  /** Largest record accepted (bytes). Default: 65536 or the ring's max payload. */
  maxRecord?: number;
  /** Privileges to check before opening (a netlink socket needs CAP_NET_ADMIN). Default: none. */
  check?: () => void;
  /** Opens the fd itself (a socket to bind, say); returns the fd and how to close it. Default: `input`. */
  openFd?: () => {
    fd: number;
    /** Closes the fd (when the source closes). */
    close(): void;
  };
}

/**
 * A producer that reads records from a file, pipe or socket (a path it opens, an fd the caller keeps, or
 * `openFd`) on the addon's poll thread, framed by a u32 length or one datagram a record.
 *
 * @example
 * const producer = fdProducer({ what: 'reading toy records', input: 'records.bin' });
 * @throws never itself; its `open` throws KwireError ENOT_BUILT (addon missing) or ENATIVE (the file
 *   cannot be opened or read), and a read failure later ends the source with KwireError ENATIVE.
 */
export function fdProducer(spec: FdProducerSpec): Producer {
  const fn = 'fdProducer()';
  checkOptions(fn, spec, 'spec');
  if (spec === undefined) invalidArgument(fn, 'needs a spec { what, input }');
  checkString(fn, 'what', spec.what);
  if (!spec.openFd && !(typeof spec.input === 'string' && spec.input !== '') && !(Number.isInteger(spec.input) && (spec.input as number) >= 0)) {
    invalidArgument(fn, `input must be a file path or an open fd (an integer >= 0), got ${typeof spec.input === 'number' ? spec.input : typeof spec.input}`);
  }
  checkOneOf(fn, 'framing', spec.framing, ['datagram', 'u32le']);
  checkInteger(fn, 'maxRecord', spec.maxRecord, 1, 1 << 30, '2^30');
  const { what } = spec;
  return {
    what,
    ...(spec.check ? { check: spec.check } : {}),
    open(ctx: ProducerContext): OpenProducer {
      const addon = loadAddon();
      let own: { fd: number; close(): void } | undefined;
      let reader: FdReader | undefined;
      let done = false;
      const close = () => {
        reader?.close();
        reader = undefined;
        own?.close();
        own = undefined;
      };
      const onData = () => {
        ctx.onData();
        const s = reader?.stats();
        if (!s?.ended || done) return;
        done = true;
        if (s.errno !== 0) ctx.error(new KwireError('ENATIVE', `${what}: read failed with errno ${s.errno}`, { errno: s.errno, syscall: 'read' }));
        else ctx.complete();
      };
      try {
        if (spec.openFd) own = spec.openFd();
        else if (typeof spec.input === 'string') {
          const fd = nativeCall(what, () => openSync(spec.input as string, 'r'));
          own = { fd, close: () => closeSync(fd) };
        }
        const fd = own ? own.fd : (spec.input as number);
        const options = { ...(spec.framing ? { framing: spec.framing } : {}), ...(spec.maxRecord ? { maxRecord: spec.maxRecord } : {}) };
        reader = nativeCall(what, () => addon.openFdReader(fd, ctx.ring, ctx.sourceId, onData, options));
      } catch (error) {
        close();
        throw error;
      }
      // Its losses (ENOBUFS, a cut last record) are in the ring header's kernelLost: the default.
      return { counters: () => ({}), close };
    },
  };
}
