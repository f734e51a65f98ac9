#include "producers/kernel_ringbuf.h"

#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace kwire {
namespace {

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

  if ((err = epoll_.Open(syscall)) != 0 || (err = epoll_.Add(map_fd, syscall)) != 0) {
    Close();
    return err;
  }
  return 0;
}

void KernelRingbuf::Close() {
  if (producer_map_) munmap(producer_map_, producer_map_len_);
  if (consumer_map_) munmap(consumer_map_, page_size_);
  epoll_.Close();
  producer_map_ = consumer_map_ = nullptr;
  data_ = nullptr;
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

// The kernel wakes us only when a record is committed at exactly the consumer position it reads
// (bpf_ringbuf_commit: cons_pos == rec_pos). That is a Dekker pair with our side: we store consumer_pos
// and then load producer_pos, the producer stores producer_pos (reserve) and then loads consumer_pos
// (after the xchg in commit, a full barrier). x86 lets a store be passed by a later load, so without a
// full fence here our next load of producer_pos can miss a record whose commit read our old position:
// no wake-up, and every later record then misses too (their rec_pos is past our position) until some
// other event reads the ring. That was the latency tail of issue 16: the reader slept 1.5-13 ms with
// records waiting. The fence costs one mfence per drain pass.
void KernelRingbuf::Publish() {
  if (consumer_ == published_) return;
  StoreRelease64(consumer_map_, consumer_);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  published_ = consumer_;
}

KernelRingbuf::Wait KernelRingbuf::WaitForData(int timeout_ms) { return epoll_.WaitFor(timeout_ms); }

void KernelRingbuf::Stop() { epoll_.Stop(); }

}  // namespace kwire
