// The pid namespace of this process, and nsfs's device (the same for every namespace).
import { statSync } from 'node:fs';

export interface PidNamespace {
  /** Inode of the namespace (stat -L -c %i /proc/self/ns/pid). */
  inode: number;
  /** st_dev of nsfs, as stat(2) gives it. */
  dev: bigint;
}

export function ownPidNamespace(): PidNamespace {
  const st = statSync('/proc/self/ns/pid', { bigint: true });
  return { inode: Number(st.ino), dev: st.dev };
}

/** A u64 little-endian value. */
export function u64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}
