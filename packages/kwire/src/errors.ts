// Few, coded errors (vitest errors.ts style): a fixed `name`, a stable `code`, ES2022 `cause`.
// Guards check `code`, so errors from another copy of the package are still recognised.

export type KwireErrorCode =
  | 'EPERM_CAPABILITY' // a kernel operation needs a capability this process lacks
  | 'ENOTSUP_KERNEL' // the kernel lacks a feature
  | 'EINVAL_ARGUMENT' // bad input from the caller
  | 'EDECODE' // bytes that cannot be decoded (a terminal decode failure, not a skipped record)
  | 'ENATIVE' // a failing call in the addon
  | 'ENATS' // a NATS server cannot be reached, or refused a JetStream request
  | 'ENOT_BUILT' // an artefact (BPF object, addon, WASM) is missing: run the set-up
  | 'ENO_PREBUILD' // an installed kwire has no prebuilt addon for this platform (it ships linux-x64 glibc)
  | 'ENO_TRACEFS' // a tp/ program needs tracefs, which is not mounted and could not be
  | 'ENOT_BPFFS' // a path that must be in a BPF filesystem is not, and none could be mounted there
  | 'EMAP_FULL' // a BPF map has no room for another entry
  | 'ENO_SUCH_PROCESS' // the process named does not exist (or has already exited)
  | 'ECAPTURE_FORMAT' // a file that is not a kwire capture (or is empty)
  | 'ECAPTURE_VERSION' // a capture written by a newer kwire, in a format version this one does not know
  | 'ELOGGER_LIMIT'; // Windows has no free trace session (ERROR_NO_SYSTEM_RESOURCES: 64 loggers, 8 system loggers)

/**
 * The one error type of kwire: a fixed `name`, a stable {@link KwireErrorCode} in `code`, and the failing
 * call's `errno`/`syscall` when there was one. Every other kwire error extends it.
 *
 * @example
 * execs().subscribe({ error: (e) => { if (e instanceof KwireError) console.error(e.code, e.message); } });
 */
export class KwireError extends Error {
  override name = 'KwireError';
  readonly code: KwireErrorCode;
  /** errno of the failing call, when there was one. */
  readonly errno?: number;
  /** Name of the failing call (syscall or libbpf function), when there was one. */
  readonly syscall?: string;
  /** An error of `code` with `message`; `options` carries the cause, errno and syscall. */
  constructor(code: KwireErrorCode, message: string, options: { cause?: unknown; errno?: number; syscall?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.errno !== undefined) this.errno = options.errno;
    if (options.syscall !== undefined) this.syscall = options.syscall;
  }
}

/**
 * The process lacks a capability (code EPERM_CAPABILITY); `missing` names those that would allow it.
 *
 * @example
 * execs().subscribe({ error: (e) => { if (isPermissionError(e)) console.error('grant', e.missing.join(' ')); } });
 */
export class PermissionError extends KwireError {
  override name = 'PermissionError';
  /** Capabilities that would allow the operation, e.g. ['CAP_BPF', 'CAP_PERFMON']. */
  readonly missing: readonly string[];
  /** A permission error whose `missing` lists the capabilities that would allow the operation. */
  constructor(message: string, missing: readonly string[], options: { cause?: unknown; errno?: number; syscall?: string } = {}) {
    super('EPERM_CAPABILITY', message, options);
    this.missing = missing;
  }
}

/**
 * The kernel lacks a feature kwire needs (code ENOTSUP_KERNEL); `feature` names it.
 *
 * @example
 * if (isKwireError(e, 'ENOTSUP_KERNEL')) console.error('kernel too old:', (e as NotSupportedError).feature);
 */
export class NotSupportedError extends KwireError {
  override name = 'NotSupportedError';
  /** The kernel feature that is missing. */
  readonly feature: string;
  /** A not-supported error for the missing kernel `feature`. */
  constructor(feature: string, message: string, options: { cause?: unknown } = {}) {
    super('ENOTSUP_KERNEL', message, options);
    this.feature = feature;
  }
}

/**
 * Bytes that cannot be decoded (code EDECODE): a terminal decode failure of `source`, with the decoder's
 * `status` and, when known, the byte `offset` where it stopped.
 *
 * @example
 * try { new FrameDecoder(execDecoder).decode(bytes); } catch (e) { if (e instanceof DecodeError) console.error(e.source, e.offset); }
 */
export class DecodeError extends KwireError {
  override name = 'DecodeError';
  readonly status: number;
  readonly source: string;
  /** Byte offset in the input where decoding stopped, when known. */
  readonly offset?: number;
  /** A decode error of `source` with the decoder's `status` and the `offset` where decoding stopped. */
  constructor(source: string, status: number, message: string, offset?: number) {
    super('EDECODE', message);
    this.source = source;
    this.status = status;
    if (offset !== undefined) this.offset = offset;
  }
}

/**
 * Whether `error` is a kwire error (of `code`, when given). Checks `code` rather than the class, so errors
 * from another copy of the package are recognised too.
 *
 * @example
 * if (isKwireError(error, 'EINVAL_ARGUMENT')) console.error(error.message);
 */
export function isKwireError(error: unknown, code?: KwireErrorCode): error is KwireError {
  if (typeof error !== 'object' || error === null) return false;
  const c = (error as { code?: unknown }).code;
  return typeof c === 'string' && (code === undefined ? c.startsWith('E') && 'name' in error : c === code);
}

/**
 * Whether `error` is a {@link PermissionError} (code EPERM_CAPABILITY).
 *
 * @example
 * if (isPermissionError(error)) console.error('missing', error.missing.join(', '));
 */
export function isPermissionError(error: unknown): error is PermissionError {
  return isKwireError(error, 'EPERM_CAPABILITY');
}
