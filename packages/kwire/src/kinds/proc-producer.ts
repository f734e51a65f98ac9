// The proc connector's producer: the fd producer over a NETLINK_CONNECTOR socket that the addon
// creates, binds to CN_IDX_PROC and subscribes (PROC_CN_MCAST_LISTEN); each datagram is one frame,
// exactly as the kernel wrote it, and ENOBUFS (the socket's receive buffer overran) is counted as lost
// while reading goes on. On close it sends PROC_CN_MCAST_IGNORE before closing the socket.
import { closeSync } from 'node:fs';
import { isPermissionError, PermissionError } from '../errors.js';
import type { Producer } from '../pipeline/producer.js';
import { requireProcConnectorCapabilities } from '../platform/capabilities.js';
import { loadAddon, nativeCall } from '../platform/native.js';
import { fdProducer } from '../producers/fd.js';

const what = 'listening to the proc connector';

/** The producer of proc connector datagrams, on a socket with a `rcvbuf`-byte receive buffer (0: default). */
export function procProducer(rcvbuf: number): Producer {
  return fdProducer({
    what,
    input: -1,
    framing: 'datagram',
    maxRecord: 1024, // every message is 76 bytes; the smallest shared ring (4096) takes 2048
    check: () => requireProcConnectorCapabilities(what),
    openFd: () => {
      const addon = loadAddon();
      let fd: number;
      try {
        fd = nativeCall(what, () => addon.openProcConnector({ rcvbuf }));
      } catch (error) {
        // EPERM here is CAP_NET_ADMIN (bind to the group, SO_RCVBUFFORCE), not the tracing capabilities
        if (isPermissionError(error)) throw new PermissionError(`${what}: the kernel refused ${error.syscall} with EPERM: needs CAP_NET_ADMIN in the initial user and pid namespace`, ['CAP_NET_ADMIN'], { cause: error, errno: error.errno ?? 1, syscall: error.syscall ?? '' });
        throw error;
      }
      return {
        fd,
        close: () => {
          try {
            addon.procConnectorControl(fd, 'ignore');
          } catch {
            // the socket closes anyway; the kernel's listener count is what the ignore keeps right
          }
          closeSync(fd);
        },
      };
    },
  });
}
