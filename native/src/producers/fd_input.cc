#include "producers/fd_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace kwire {

int DescribeFd(int fd, FdKind* kind, const char** syscall) {
  *kind = FdKind();
  struct stat st;
  if (fstat(fd, &st) < 0) {
    *syscall = "fstat";
    return errno;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) {
    *syscall = "fcntl";
    return errno;
  }
  kind->regular = S_ISREG(st.st_mode);
  kind->socket = S_ISSOCK(st.st_mode);
  kind->nonblocking = (flags & O_NONBLOCK) != 0;
  if (kind->socket) {
    socklen_t len = sizeof kind->sock_type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &kind->sock_type, &len) < 0) {
      *syscall = "getsockopt";
      return errno;
    }
  }
  return 0;
}

int FdInput::Open(int fd, const FdKind& kind, const char** syscall) {
  fd_ = fd;
  kind_ = kind;
  int err = epoll_.Open(syscall);
  if (err == 0 && !kind.regular) {
    err = epoll_.Add(fd, syscall);
    pollable_ = err == 0;
    if (err == EPERM) err = 0;  // a device without poll support: read it as a file
  }
  if (err != 0) Close();
  return err;
}

void FdInput::Close() {
  epoll_.Close();
  fd_ = -1;
  pollable_ = false;
}

FdInput::Result FdInput::ReadSome(uint8_t* into, size_t cap) {
  bool datagrams = kind_.datagrams();
  for (;;) {
    ssize_t n;
    if (kind_.socket) {
      n = recv(fd_, into, cap, MSG_DONTWAIT | (datagrams ? MSG_TRUNC : 0));
    } else {
      // A blocking pipe would block read() when empty: ask epoll first (level-triggered, no wait).
      if (pollable_ && !kind_.nonblocking && epoll_.WaitFor(0) != Wait::kReady) {
        return {Status::kAgain, 0, 0};
      }
      n = read(fd_, into, cap);
    }
    if (n > 0) return {Status::kData, static_cast<size_t>(n), 0};
    if (n == 0) {
      // recv() of 0: an empty datagram on SOCK_DGRAM/SOCK_RAW, the peer's close on SOCK_SEQPACKET.
      if (datagrams && kind_.sock_type != SOCK_SEQPACKET) return {Status::kData, 0, 0};
      return {Status::kEnd, 0, 0};
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return {Status::kAgain, 0, 0};
    if (err == ENOBUFS && kind_.socket) return {Status::kLost, 0, 0};
    return {Status::kError, 0, err};
  }
}

FdInput::Wait FdInput::WaitForData(int timeout_ms) {
  if (!pollable_) return epoll_.WaitFor(0) == Wait::kStop ? Wait::kStop : Wait::kReady;
  return epoll_.WaitFor(timeout_ms);
}

}  // namespace kwire
