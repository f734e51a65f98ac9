// The kernel side of the proc connector (<linux/cn_proc.h>): a NETLINK_CONNECTOR datagram socket bound
// to the CN_IDX_PROC multicast group, with the receive buffer the caller asks for, subscribed with
// PROC_CN_MCAST_LISTEN. An FdReader reads it (each datagram one frame, ENOBUFS counted as loss); the
// addon never looks inside the messages. Before closing, the caller sends PROC_CN_MCAST_IGNORE: the
// kernel counts listeners and keeps building events while any is registered.
#pragma once

#include <napi.h>

namespace kwire {

// openProcConnector(options?: { rcvbuf?: number }): number. Creates, sizes, binds and subscribes the
// socket; returns its fd (close-on-exec, blocking; the caller owns it). Throws a NativeError (ESYS,
// with errno and the failing call; EPERM from bind() without CAP_NET_ADMIN) and leaves nothing open.
Napi::Value OpenProcConnector(const Napi::CallbackInfo& info);

// procConnectorControl(fd: number, op: 'listen' | 'ignore'): void. Sends PROC_CN_MCAST_LISTEN or
// PROC_CN_MCAST_IGNORE on the socket. Throws a NativeError on a failed send().
Napi::Value ProcConnectorControl(const Napi::CallbackInfo& info);

}  // namespace kwire
