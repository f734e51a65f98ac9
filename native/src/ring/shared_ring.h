// The producer side of the shared ring (layout: shared_ring_layout.h). The ring lives in the
// WebAssembly memory; the consumer is the JS thread (assembly/ring.ts). Only the poll thread writes
// frames; positions are published with release once per batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kwire {

class SharedRing {
 public:
  // Checks the region (8-aligned base, capacity a power of two >= 4096, length >= header + capacity,
  // magic). Returns an empty string when valid, else what is wrong.
  static std::string Validate(const uint8_t* base, size_t byte_length);

  // capacity / 2 of a ring that passed Validate (what max_payload() will be), without opening it.
  static uint32_t MaxPayloadOf(const uint8_t* base);

  // base must have passed Validate. Resumes from the producer position already in the header.
  explicit SharedRing(uint8_t* base);

  uint32_t capacity() const { return capacity_; }
  // Records larger than this are never copied (they could never be guaranteed to fit).
  uint32_t max_payload() const { return capacity_ / 2; }

  // Appends one frame locally (not yet visible to the consumer). May first append a wrap marker.
  // Returns false when the frame does not fit now (a wrap marker may have been appended meanwhile).
  bool TryWrite(uint16_t source, const uint8_t* payload, uint32_t len);
  // The same, for a producer that builds the payload in place: appends the frame header (with `flags`,
  // which must not include KW_FRAME_WRAP) and returns where its `len` payload bytes go, to be written
  // before the next Publish(); nullptr when the frame does not fit now.
  uint8_t* TryReserve(uint16_t source, uint16_t flags, uint32_t len);
  // True when TryWrite(len) would make progress now (reads the consumer position).
  bool HasRoomFor(uint32_t len);
  // Makes the frames appended since the last call visible (store-release of the producer position)
  // and updates the header counters. Returns whether anything was published.
  bool Publish();

  // Header counters. The producer is their only writer; stores are relaxed atomics.
  void AddFullWait() { Bump(kFullWaits, 1); }
  void AddOversize() { Bump(kOversize, 1); }
  void AddWakeup() { Bump(kWakeups, 1); }
  void AddKernelLost(uint64_t n) { Bump(kKernelLost, n); }

 private:
  enum Counter { kFrames, kBytes, kFullWaits, kWakeups, kOversize, kKernelLost, kCounters };
  void Bump(Counter c, uint64_t n);
  void Prefault();
  uint32_t Free();  // bytes the consumer has released, from an acquire load of its position

  uint8_t* base_;
  uint8_t* data_;
  uint32_t capacity_;
  uint32_t producer_;    // local position, published by Publish()
  uint32_t published_;
  uint64_t pending_frames_ = 0;
  uint64_t pending_bytes_ = 0;
  uint64_t counters_[kCounters];
};

// Claims `base` for a producer in this process (one producer per ring); false if already claimed.
bool ClaimRing(const uint8_t* base);
void UnclaimRing(const uint8_t* base);

}  // namespace kwire
