// An epoll set plus an eventfd that another thread writes to end a wait: the waiting half that the
// kernel ring readers (BPF ring buffer, perf buffer) share.
#pragma once

#include <cstdint>

namespace kwire {

class StoppableEpoll {
 public:
  enum class Wait { kReady, kTimeout, kStop, kError };

  StoppableEpoll() = default;
  ~StoppableEpoll() { Close(); }
  StoppableEpoll(const StoppableEpoll&) = delete;
  StoppableEpoll& operator=(const StoppableEpoll&) = delete;

  // Creates the epoll set and the stop eventfd. On failure returns an errno and names the failing call
  // in *syscall (the caller closes).
  int Open(const char** syscall);
  // Watches `fd` (not owned) for input.
  int Add(int fd, const char** syscall);
  void Close();
  // The epoll set's fd: readable while a watched fd is (for a poll handle on another loop).
  int fd() const { return epoll_fd_; }

  // Blocks until a watched fd is readable, Stop() was called, or timeout_ms passed.
  Wait WaitFor(int timeout_ms);
  // Wakes WaitFor from another thread.
  void Stop();

 private:
  int epoll_fd_ = -1;
  int stop_fd_ = -1;
};

}  // namespace kwire
