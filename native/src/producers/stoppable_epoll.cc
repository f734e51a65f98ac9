#include "producers/stoppable_epoll.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace kwire {
namespace {

constexpr uint32_t kTagData = 1;
constexpr uint32_t kTagStop = 2;

int Watch(int epoll_fd, int fd, uint32_t tag, const char** syscall) {
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u32 = tag;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    *syscall = "epoll_ctl";
    return errno;
  }
  return 0;
}

}  // namespace

int StoppableEpoll::Open(const char** syscall) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    *syscall = "epoll_create1";
    return errno;
  }
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    *syscall = "eventfd";
    return errno;
  }
  return Watch(epoll_fd_, stop_fd_, kTagStop, syscall);
}

int StoppableEpoll::Add(int fd, const char** syscall) { return Watch(epoll_fd_, fd, kTagData, syscall); }

void StoppableEpoll::Close() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  epoll_fd_ = stop_fd_ = -1;
}

StoppableEpoll::Wait StoppableEpoll::WaitFor(int timeout_ms) {
  struct epoll_event events[16];
  int n;
  do {
    n = epoll_wait(epoll_fd_, events, 16, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Wait::kError;
  if (n == 0) return Wait::kTimeout;
  for (int i = 0; i < n; i++) {
    if (events[i].data.u32 == kTagStop) return Wait::kStop;
  }
  return Wait::kReady;
}

void StoppableEpoll::Stop() {
  uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof one);
  (void)ignored;
}

}  // namespace kwire
