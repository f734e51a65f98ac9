// The kernel side of an FdReader: reads from one fd without ever blocking the poll thread, the way
// KernelRingbuf reads a BPF ring buffer. The fd is not owned here (PollReader holds the reader's dup).
//
// The fd's file description is shared with the caller's fd, so its flags are left alone (no
// O_NONBLOCK): sockets are read with MSG_DONTWAIT; pipes, FIFOs and devices are read only when epoll
// says they are readable; a regular file (which epoll refuses) is read until EOF without waiting.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include "producers/stoppable_epoll.h"

namespace kwire {

// What kind of fd a reader was given.
struct FdKind {
  bool regular = false;      // a regular file
  bool socket = false;
  int sock_type = 0;         // SO_TYPE of a socket: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW
  bool nonblocking = false;  // O_NONBLOCK is already set on the file description
  // A socket whose every recv() is one message (netlink, UNIX datagram, packet sockets).
  bool datagrams() const { return socket && sock_type != SOCK_STREAM; }
};

// fstat, fcntl(F_GETFL) and, for a socket, getsockopt(SO_TYPE) of `fd`. On failure returns an errno
// and names the failing call in *syscall.
int DescribeFd(int fd, FdKind* kind, const char** syscall);

class FdInput {
 public:
  enum class Status {
    kData,   // `len` bytes read (a datagram socket: the datagram's real length, possibly > cap)
    kEnd,    // EOF: a stream's end, a SOCK_SEQPACKET peer's close
    kAgain,  // nothing to read now
    kLost,   // ENOBUFS on a socket: the kernel dropped messages; reading goes on
    kError,  // any other error, in `err`
  };
  struct Result {
    Status status;
    size_t len;
    int err;
  };
  using Wait = StoppableEpoll::Wait;

  FdInput() = default;
  ~FdInput() { Close(); }
  FdInput(const FdInput&) = delete;
  FdInput& operator=(const FdInput&) = delete;

  // Sets up epoll (when the kernel accepts the fd) and the stop eventfd. On failure returns an errno
  // and names the failing call in *syscall; everything opened so far is released.
  int Open(int fd, const FdKind& kind, const char** syscall);
  void Close();

  // One read()/recv() of at most `cap` bytes into `into`; never blocks (but on a regular file).
  // A datagram longer than `cap` is consumed whole and reported with its real length (MSG_TRUNC).
  Result ReadSome(uint8_t* into, size_t cap);

  // Blocks until the fd is readable, Stop() was called, or timeout_ms passed. Without epoll (a regular
  // file) returns kReady at once: the next read makes progress or reaches EOF.
  Wait WaitForData(int timeout_ms);
  // Wakes WaitForData from another thread.
  void Stop() { epoll_.Stop(); }

 private:
  int fd_ = -1;
  FdKind kind_;
  bool pollable_ = false;  // fd_ is in epoll_
  StoppableEpoll epoll_;
};

}  // namespace kwire
