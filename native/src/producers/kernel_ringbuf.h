// A consumer of one BPF_MAP_TYPE_RINGBUF map, read straight from its mmaped pages, the way
// cilium/ebpf's ringbuf reader does (and unlike libbpf's ring_buffer__poll, whose callback cannot
// refuse a record: libbpf has already advanced past it when the callback returns an error).
//
// The caller peeks at the record under the local consumer position, decides, advances, and publishes
// the consumer position once per batch. Single-threaded: only the poll thread uses an instance.
#pragma once

#include <cstddef>
#include <cstdint>

#include "producers/stoppable_epoll.h"

namespace kwire {

struct KernelRecord {
  const uint8_t* data;  // the sample (after the 8-byte record header), contiguous thanks to the double map
  uint32_t len;         // sample length, flags stripped
  bool discarded;       // bpf_ringbuf_discard()ed: skip it
};

class KernelRingbuf {
 public:
  enum class Peek { kEmpty, kBusy, kRecord };
  using Wait = StoppableEpoll::Wait;

  KernelRingbuf() = default;
  ~KernelRingbuf() { Close(); }
  KernelRingbuf(const KernelRingbuf&) = delete;
  KernelRingbuf& operator=(const KernelRingbuf&) = delete;

  // Maps the ring of `map_fd` (not owned) and sets up epoll plus a stop eventfd. On failure returns an
  // errno and names the failing call in *syscall; everything opened so far is released.
  int Open(int map_fd, uint32_t max_entries, const char** syscall);
  void Close();

  // The record at the local consumer position, if it is committed.
  Peek PeekRecord(KernelRecord* rec);
  // Moves the local consumer position past the record PeekRecord returned.
  void Advance();
  // Stores the local consumer position into the consumer page (release), if it moved.
  void Publish();

  // Blocks until the ring has data, Stop() was called, or timeout_ms passed.
  Wait WaitForData(int timeout_ms);
  // Wakes WaitForData from another thread (writes the eventfd).
  void Stop();
  // Readable while the ring has data (the epoll set watching the map fd).
  int poll_fd() const { return epoll_.fd(); }

 private:
  size_t page_size_ = 0;
  uint32_t max_entries_ = 0;
  uint64_t mask_ = 0;
  void* consumer_map_ = nullptr;      // 1 page, RW: consumer_pos at offset 0
  void* producer_map_ = nullptr;      // RO: producer page, then the data mapped twice
  size_t producer_map_len_ = 0;
  const uint8_t* data_ = nullptr;
  uint64_t consumer_ = 0;             // local consumer position
  uint64_t published_ = 0;            // last value stored into the consumer page
  uint64_t producer_ = 0;             // last producer position seen
  uint32_t peeked_size_ = 0;          // rounded size of the record PeekRecord returned
  StoppableEpoll epoll_;              // the map fd, and a stop eventfd
};

}  // namespace kwire
