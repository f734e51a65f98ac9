// The file-descriptor producer: records read from a file, pipe or socket by the addon's FdReader on a
// poll thread of its own (native/src/producers/fd_reader.*): no BPF. A stream is u32 little-endian
// length-prefixed records; a datagram socket gives one record per datagram. At the end of a stream
// the source drains what is left and completes; a read error ends it with a KwireError.
import { closeSync, openSync } from 'node:fs';
import type { FdReader } from '@kwire/native';
import { KwireError } from '../errors.js';
import type { OpenProducer, Producer, ProducerContext } from '../pipeline/producer.js';
import { loadAddon, nativeCall } from '../platform/native.js';

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
  openFd?: () => { fd: number; close(): void };
}

export function fdProducer(spec: FdProducerSpec): Producer {
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
      return { counters: () => ({ lostKernel: reader?.stats().lost ?? 0 }), close };
    },
  };
}
