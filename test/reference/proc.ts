// Reference encoder of proc connector datagrams (<linux/cn_proc.h>), as the kernel's cn_proc.c sends
// them: nlmsghdr (NLMSG_DONE) + cn_msg (CN_IDX_PROC, CN_VAL_PROC) + the whole 40-byte proc_event, 76
// bytes. For tests and benchmark baselines only.

/** One proc connector message: `what`, the CPU, the time and up to six u32 of event data (a comm after two). */
export interface ProcMessage {
  what: number;
  cpu: number;
  ts: bigint;
  /** event_data's u32 words in order (fork: parent pid, parent tgid, child pid, child tgid; …). */
  data: readonly number[];
  /** comm events: the comm after the pid and tgid. */
  comm?: string;
  seq?: number;
}

export const PROC_MESSAGE_SIZE = 76;

export function encodeProc(m: ProcMessage): Uint8Array {
  const bytes = new Uint8Array(PROC_MESSAGE_SIZE);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, PROC_MESSAGE_SIZE, true); // nlmsg_len
  v.setUint16(4, 3, true); // NLMSG_DONE
  v.setUint32(8, m.seq ?? 0, true);
  v.setUint32(16, 1, true); // CN_IDX_PROC
  v.setUint32(20, 1, true); // CN_VAL_PROC
  v.setUint32(24, m.seq ?? 0, true);
  v.setUint16(32, 40, true); // sizeof(struct proc_event)
  v.setUint32(36, m.what >>> 0, true);
  v.setUint32(40, m.cpu, true);
  v.setBigUint64(44, m.ts, true);
  m.data.forEach((x, i) => v.setUint32(52 + 4 * i, x >>> 0, true));
  if (m.comm !== undefined) {
    bytes.fill(0, 60, 76); // comm[16] after the pid and tgid, NUL-padded
    bytes.set(new TextEncoder().encode(m.comm).subarray(0, 15), 60);
  }
  return bytes;
}
