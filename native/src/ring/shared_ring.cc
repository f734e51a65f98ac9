#include "ring/shared_ring.h"

#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <cstring>
#include <mutex>
#include <set>

#include "ring/shared_ring_layout.h"

namespace kwire {
namespace {

inline uint32_t LoadU32Acquire(const uint8_t* p) {
  return __atomic_load_n(reinterpret_cast<const uint32_t*>(p), __ATOMIC_ACQUIRE);
}
inline void StoreU32Release(uint8_t* p, uint32_t v) {
  __atomic_store_n(reinterpret_cast<uint32_t*>(p), v, __ATOMIC_RELEASE);
}
inline uint64_t LoadU64Relaxed(const uint8_t* p) {
  return __atomic_load_n(reinterpret_cast<const uint64_t*>(p), __ATOMIC_RELAXED);
}
inline uint32_t FrameSize(uint32_t len) {
  return (KW_FRAME_HEADER_SIZE + len + KW_FRAME_ALIGN - 1) & ~uint32_t{KW_FRAME_ALIGN - 1};
}

constexpr size_t kCounterOffsets[] = {KW_RING_FRAMES, KW_RING_BYTES, KW_RING_FULL_WAITS,
                                      KW_RING_WAKEUPS, KW_RING_OVERSIZE, KW_RING_KERNEL_LOST};

std::mutex claims_mutex;
std::set<const uint8_t*> claims;

}  // namespace

std::string SharedRing::Validate(const uint8_t* base, size_t byte_length) {
  if (reinterpret_cast<uintptr_t>(base) % 8 != 0) return "ring must start at a multiple of 8 bytes";
  if (byte_length < KW_RING_HEADER_SIZE) return "ring is smaller than its 256-byte header";
  uint32_t capacity, magic;
  memcpy(&capacity, base + KW_RING_CAPACITY, 4);
  memcpy(&magic, base + KW_RING_MAGIC, 4);
  if (magic != KW_RING_MAGIC_VALUE) return "ring magic is not 0x3152574b (write it before opening)";
  if (capacity < 4096 || (capacity & (capacity - 1)) != 0 || capacity > (1u << 30))
    return "ring capacity must be a power of two between 4096 and 2^30, got " + std::to_string(capacity);
  if (byte_length < KW_RING_HEADER_SIZE + static_cast<size_t>(capacity))
    return "ring view is shorter than 256 + capacity (" + std::to_string(capacity) + ") bytes";
  return "";
}

uint32_t SharedRing::MaxPayloadOf(const uint8_t* base) {
  uint32_t capacity;
  memcpy(&capacity, base + KW_RING_CAPACITY, 4);
  return capacity / 2;
}

SharedRing::SharedRing(uint8_t* base)
    : base_(base), data_(base + KW_RING_HEADER_SIZE) {
  memcpy(&capacity_, base + KW_RING_CAPACITY, 4);
  producer_ = published_ = LoadU32Acquire(base + KW_RING_PRODUCER_POS);
  for (int c = 0; c < kCounters; c++) counters_[c] = LoadU64Relaxed(base + kCounterOffsets[c]);
  Prefault();
}

void SharedRing::Prefault() {
#ifdef __linux__
  // The ring's pages are fresh WebAssembly memory, faulted in on first write: one minor fault per 4 KiB
  // on the poll thread's first pass (a 64 MiB drain took ~16k faults, half the thread's time).
  // MADV_POPULATE_WRITE (Linux 5.14) maps them writable now without changing their contents; on older
  // kernels it fails with EINVAL and the pages fault in as before.
  uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t start = reinterpret_cast<uintptr_t>(data_) & ~(page - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(data_) + capacity_ + page - 1) & ~(page - 1);
  madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE);
#endif  // elsewhere (the Windows addon) the pages fault in on first write
}

void SharedRing::Bump(Counter c, uint64_t n) {
  counters_[c] += n;
  __atomic_store_n(reinterpret_cast<uint64_t*>(base_ + kCounterOffsets[c]), counters_[c],
                   __ATOMIC_RELAXED);
}

uint32_t SharedRing::Free() {
  // Acquire pairs with the consumer's release store: it has finished reading what it released.
  uint32_t consumer = LoadU32Acquire(base_ + KW_RING_CONSUMER_POS);
  return capacity_ - (producer_ - consumer);  // free-running u32 positions
}

bool SharedRing::HasRoomFor(uint32_t len) {
  uint32_t frame = FrameSize(len);
  uint32_t tail = capacity_ - (producer_ & (capacity_ - 1));
  uint32_t free = Free();
  // When the frame must wrap, room for the wrap marker alone is progress: the frame then starts at 0.
  return frame > tail ? free >= tail : free >= frame;
}

bool SharedRing::TryWrite(uint16_t source, const uint8_t* payload, uint32_t len) {
  uint8_t* out = TryReserve(source, 0, len);
  if (!out) return false;
  memcpy(out, payload, len);
  return true;
}

uint8_t* SharedRing::TryReserve(uint16_t source, uint16_t flags, uint32_t len) {
  uint32_t frame = FrameSize(len);
  uint32_t index = producer_ & (capacity_ - 1);
  uint32_t tail = capacity_ - index;
  uint32_t free = Free();
  if (frame > tail) {
    // Not enough room before the end: a wrap marker fills the tail (tail >= 8 since frames are
    // 8-aligned), the frame goes to the start. The marker is its own step so that a frame close to
    // capacity / 2 can still be written even when tail + frame > capacity.
    if (free < tail) return nullptr;
    uint8_t* h = data_ + index;
    uint32_t zero_len = 0;
    uint16_t wrap = KW_FRAME_WRAP;
    memcpy(h, &zero_len, 4);
    memcpy(h + 4, &source, 2);
    memcpy(h + 6, &wrap, 2);
    producer_ += tail;
    free -= tail;
    index = 0;
  }
  if (free < frame) return nullptr;
  uint8_t* h = data_ + index;
  memcpy(h, &len, 4);
  memcpy(h + 4, &source, 2);
  memcpy(h + 6, &flags, 2);
  uint32_t pad = frame - KW_FRAME_HEADER_SIZE - len;
  if (pad) memset(h + KW_FRAME_HEADER_SIZE + len, 0, pad);  // no stale bytes in the padding
  producer_ += frame;
  pending_frames_ += 1;
  pending_bytes_ += len;
  return h + KW_FRAME_HEADER_SIZE;
}

bool SharedRing::Publish() {
  if (producer_ == published_) return false;
  // Release: the frame bytes written above become visible before the position that covers them.
  StoreU32Release(base_ + KW_RING_PRODUCER_POS, producer_);
  published_ = producer_;
  if (pending_frames_) Bump(kFrames, pending_frames_);
  if (pending_bytes_) Bump(kBytes, pending_bytes_);
  pending_frames_ = pending_bytes_ = 0;
  return true;
}

bool ClaimRing(const uint8_t* base) {
  std::lock_guard<std::mutex> lock(claims_mutex);
  return claims.insert(base).second;
}

void UnclaimRing(const uint8_t* base) {
  std::lock_guard<std::mutex> lock(claims_mutex);
  claims.erase(base);
}

}  // namespace kwire
