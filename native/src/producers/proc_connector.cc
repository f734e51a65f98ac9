#include "producers/proc_connector.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"

namespace kwire {
namespace {

constexpr double kMaxRcvbuf = 1 << 30;

// One nlmsghdr + cn_msg + the u32 operation, as the kernel's cn_proc_mcast_ctl() reads it.
constexpr size_t kControlSize = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(uint32_t));

int SendControl(int fd, uint32_t op) {
  alignas(struct nlmsghdr) uint8_t m[kControlSize];
  memset(m, 0, sizeof m);
  auto* nl = reinterpret_cast<struct nlmsghdr*>(m);
  nl->nlmsg_len = kControlSize;
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = 0;  // the kernel fills in the sender's port id
  auto* cn = static_cast<struct cn_msg*>(NLMSG_DATA(nl));
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = sizeof op;
  memcpy(cn->data, &op, sizeof op);
  for (;;) {
    ssize_t n = send(fd, m, sizeof m, 0);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

Napi::Value Fail(Napi::Env env, const char* code, int err, const char* syscall, const std::string& message) {
  ThrowNativeError(env, code, err, syscall, WithStrerror(message, err));
  return Napi::Value();
}

}  // namespace

Napi::Value OpenProcConnector(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char kUsage[] = "openProcConnector(options?: { rcvbuf?: number })";
  double rcvbuf = 0;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject()) return Fail(env, "EARG", 0, "", std::string("usage: ") + kUsage);
    Napi::Value v = info[0].As<Napi::Object>().Get("rcvbuf");
    if (!v.IsUndefined()) {
      if (!v.IsNumber()) return Fail(env, "EARG", 0, "", "openProcConnector: rcvbuf must be a number");
      rcvbuf = v.As<Napi::Number>().DoubleValue();
      if (!(rcvbuf >= 0 && rcvbuf <= kMaxRcvbuf) || rcvbuf != static_cast<double>(static_cast<int64_t>(rcvbuf))) {
        return Fail(env, "EARG", 0, "", "openProcConnector: rcvbuf must be an integer in 0..2^30 (0: the system default)");
      }
    }
  }
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return Fail(env, "ESYS", errno, "socket", "openProcConnector: socket(AF_NETLINK, NETLINK_CONNECTOR)");
  const char* failed = nullptr;
  int err = 0;
  if (rcvbuf > 0) {
    // SO_RCVBUFFORCE passes net.core.rmem_max (CAP_NET_ADMIN); the kernel doubles the value it stores.
    int size = static_cast<int>(rcvbuf);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) err = errno, failed = "setsockopt";
  }
  if (err == 0) {
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    addr.nl_pid = 0;  // the kernel picks a port id
    if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) err = errno, failed = "bind";
  }
  if (err == 0) {
    err = SendControl(fd, PROC_CN_MCAST_LISTEN);
    if (err != 0) failed = "send";
  }
  if (err != 0) {
    close(fd);
    return Fail(env, "ESYS", err, failed, std::string("openProcConnector: ") + failed);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value ProcConnectorControl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char kUsage[] = "procConnectorControl(fd: number, op: 'listen' | 'ignore')";
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) {
    return Fail(env, "EARG", 0, "", std::string("usage: ") + kUsage);
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string op = info[1].As<Napi::String>().Utf8Value();
  if (op != "listen" && op != "ignore") return Fail(env, "EARG", 0, "", std::string("usage: ") + kUsage);
  int err = SendControl(fd, op == "listen" ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE);
  if (err != 0) return Fail(env, "ESYS", err, "send", "procConnectorControl: send " + op);
  return env.Undefined();
}

}  // namespace kwire
