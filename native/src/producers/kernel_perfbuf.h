// A consumer of one BPF_MAP_TYPE_PERF_EVENT_ARRAY map: one perf event (PERF_COUNT_SW_BPF_OUTPUT) and
// one mmaped perf ring per CPU, stored into the map at that CPU's index, read straight from the
// mmaped pages as kernel_ringbuf.h reads a BPF ring buffer (cilium/ebpf's perf/reader.go does the same).
//
// The caller peeks at the record under a ring's local tail, decides, advances, and publishes the tail
// once per batch. Single-threaded: only the poll thread uses an instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "producers/stoppable_epoll.h"

namespace kwire {

struct PerfOptions {
  uint32_t page_count = 64;       // data pages per CPU, a power of two
  uint32_t wakeup_events = 1;     // wake the reader every N samples (libbpf's default: 1)
  uint32_t watermark_bytes = 0;   // if non-zero: wake when this many bytes are pending instead
};

struct PerfRecord {
  const uint8_t* data;  // PERF_SAMPLE_RAW bytes (contiguous: a record that wraps is copied first)
  uint32_t len;         // raw size: the BPF program's size rounded so that 4 + len is a multiple of 8
};

class KernelPerfbuf {
 public:
  enum class Peek { kEmpty, kSample, kLost, kOther };
  using Wait = StoppableEpoll::Wait;

  KernelPerfbuf() = default;
  ~KernelPerfbuf() { Close(); }
  KernelPerfbuf(const KernelPerfbuf&) = delete;
  KernelPerfbuf& operator=(const KernelPerfbuf&) = delete;

  // Opens a perf event per CPU (up to max_entries), maps its ring, stores its fd into `map_fd` (not
  // owned), enables it, and sets up epoll plus a stop eventfd. On failure returns an errno and names
  // the failing call in *syscall; everything opened so far is released.
  int Open(int map_fd, uint32_t max_entries, const PerfOptions& options, const char** syscall);
  void Close();

  size_t ring_count() const { return rings_.size(); }
  int ring_cpu(size_t i) const { return rings_[i].cpu; }

  // The record under ring i's local tail. kLost sets *lost (PERF_RECORD_LOST's count); kOther is any
  // other record type, to be skipped.
  Peek PeekRecord(size_t i, PerfRecord* rec, uint64_t* lost);
  // Moves ring i's local tail past the record PeekRecord returned.
  void Advance(size_t i);
  // Stores ring i's local tail into data_tail (release), if it moved.
  void Publish(size_t i);

  // Blocks until a ring has data, Stop() was called, or timeout_ms passed.
  Wait WaitForData(int timeout_ms);
  // Wakes WaitForData from another thread (writes the eventfd).
  void Stop();
  // Readable after a wake-up of any CPU's ring (the epoll set watching them).
  int poll_fd() const { return epoll_.fd(); }

 private:
  struct Ring {
    int cpu = -1;
    int fd = -1;
    void* base = nullptr;  // struct perf_event_mmap_page, then the data pages
    size_t map_len = 0;
    const uint8_t* data = nullptr;
    uint64_t size = 0;     // data bytes, a power of two
    uint64_t tail = 0;     // local tail
    uint64_t published = 0;
    uint64_t head = 0;     // last data_head seen
    uint32_t peeked = 0;   // size of the record PeekRecord returned
  };

  int map_fd_ = -1;
  size_t page_size_ = 0;
  std::vector<Ring> rings_;
  std::vector<uint8_t> scratch_;  // a record that wraps the end of a ring, reassembled
  StoppableEpoll epoll_;          // every CPU's perf event fd, and a stop eventfd
};

}  // namespace kwire
