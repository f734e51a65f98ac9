#include "kernel_ringbuf.h"

#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace kwire {
namespace {

constexpr uint32_t kTagMap = 1;
constexpr uint32_t kTagStop = 2;

// Memory ordering mirrors the kernel side, kernel/bpf/ringbuf.c (Linux 6.x):
//  - __bpf_ringbuf_reserve() writes the record header (len | BPF_RINGBUF_BUSY_BIT, pg_off) and then
//    publishes with smp_store_release(&rb->producer_pos, new_prod_pos); it reads our position with
//    smp_load_acquire(&rb->consumer_pos) to decide whether there is room.
//  - bpf_ringbuf_commit() clears the busy bit with xchg(&hdr->len, new_len) (a full barrier), so the
//    sample bytes are visible before the length without BUSY is.
// Hence: producer_pos is loaded with acquire, each header's len with acquire, and consumer_pos is stored
// with release after the samples were copied, so the kernel cannot reuse space we are still reading.
// The record format (8-byte header: u32 len with BUSY/DISCARD bits, u32 pg_off; records padded to 8)
// is include/uapi/linux/bpf.h's BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, BPF_RINGBUF_HDR_SZ.
// libbpf's tools/lib/bpf/ringbuf.c and cilium/ebpf's ringbuf/ring.go read it the same way.
inline uint64_t LoadAcquire64(const void* p) {
  return __atomic_load_n(static_cast<const uint64_t*>(p), __ATOMIC_ACQUIRE);
}
inline uint32_t LoadAcquire32(const void* p) {
  return __atomic_load_n(static_cast<const uint32_t*>(p), __ATOMIC_ACQUIRE);
}
inline void StoreRelease64(void* p, uint64_t v) {
  __atomic_store_n(static_cast<uint64_t*>(p), v, __ATOMIC_RELEASE);
}

inline uint32_t RoundedRecordSize(uint32_t len) {
  len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
  return (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;
}

}  // namespace

int KernelRingbuf::Open(int map_fd, uint32_t max_entries, const char** syscall) {
  page_size_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  max_entries_ = max_entries;
  mask_ = static_cast<uint64_t>(max_entries) - 1;
  int err = 0;

  consumer_map_ = mmap(nullptr, page_size_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (consumer_map_ == MAP_FAILED) {
    err = errno, *syscall = "mmap", consumer_map_ = nullptr;
    Close();
    return err;
  }
  // The kernel maps the data pages twice in a row, so a record that wraps reads contiguously.
  producer_map_len_ = page_size_ + 2 * static_cast<size_t>(max_entries);
  producer_map_ = mmap(nullptr, producer_map_len_, PROT_READ, MAP_SHARED, map_fd,
                       static_cast<off_t>(page_size_));
  if (producer_map_ == MAP_FAILED) {
    err = errno, *syscall = "mmap", producer_map_ = nullptr;
    Close();
    return err;
  }
  data_ = static_cast<const uint8_t*>(producer_map_) + page_size_;
  consumer_ = published_ = LoadAcquire64(consumer_map_);
  producer_ = consumer_;

  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    err = errno, *syscall = "epoll_create1";
    Close();
    return err;
  }
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    err = errno, *syscall = "eventfd";
    Close();
    return err;
  }
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u32 = kTagMap;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, map_fd, &ev) < 0) {
    err = errno, *syscall = "epoll_ctl";
    Close();
    return err;
  }
  ev.data.u32 = kTagStop;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev) < 0) {
    err = errno, *syscall = "epoll_ctl";
    Close();
    return err;
  }
  return 0;
}

void KernelRingbuf::Close() {
  if (producer_map_) munmap(producer_map_, producer_map_len_);
  if (consumer_map_) munmap(consumer_map_, page_size_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  producer_map_ = consumer_map_ = nullptr;
  data_ = nullptr;
  epoll_fd_ = stop_fd_ = -1;
}

KernelRingbuf::Peek KernelRingbuf::PeekRecord(KernelRecord* rec) {
  if (consumer_ == producer_) {
    producer_ = LoadAcquire64(static_cast<const uint8_t*>(producer_map_));
    if (consumer_ == producer_) return Peek::kEmpty;
  }
  const uint8_t* hdr = data_ + (consumer_ & mask_);
  uint32_t len = LoadAcquire32(hdr);
  if (len & BPF_RINGBUF_BUSY_BIT) return Peek::kBusy;  // reserved, not yet committed
  peeked_size_ = RoundedRecordSize(len);
  rec->data = hdr + BPF_RINGBUF_HDR_SZ;
  rec->len = len & ~BPF_RINGBUF_DISCARD_BIT;
  rec->discarded = (len & BPF_RINGBUF_DISCARD_BIT) != 0;
  return Peek::kRecord;
}

void KernelRingbuf::Advance() {
  consumer_ += peeked_size_;
  peeked_size_ = 0;
}

void KernelRingbuf::Publish() {
  if (consumer_ == published_) return;
  StoreRelease64(consumer_map_, consumer_);
  published_ = consumer_;
}

KernelRingbuf::Wait KernelRingbuf::WaitForData(int timeout_ms) {
  struct epoll_event events[2];
  int n;
  do {
    n = epoll_wait(epoll_fd_, events, 2, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Wait::kError;
  if (n == 0) return Wait::kTimeout;
  for (int i = 0; i < n; i++) {
    if (events[i].data.u32 == kTagStop) return Wait::kStop;
  }
  return Wait::kReady;
}

void KernelRingbuf::Stop() {
  uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof one);
  (void)ignored;
}

}  // namespace kwire
