// PerfReader: a poll thread moving the records of one BPF perf event array (one perf ring per CPU)
// into the shared ring, counting PERF_RECORD_LOST per CPU, and the same coalesced JS wake-up as
// RingReader (ring_reader.h), whose lifetime rules it follows exactly.
#pragma once

#include <napi.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernel_perfbuf.h"
#include "ring_reader.h"
#include "shared_ring.h"

namespace kwire {

class BpfObject;

class PerfReader : public Napi::ObjectWrap<PerfReader> {
 public:
  static Napi::Function Define(Napi::Env env);

  // Creates a reader and starts its thread (used by BpfObject.openPerf). map_fd is borrowed (the
  // reader keeps a dup). On failure throws a NativeError and returns an empty value.
  static Napi::Value Open(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries,
                          Napi::Value ring, uint32_t source, Napi::Function on_data,
                          const PerfOptions& options);

  explicit PerfReader(const Napi::CallbackInfo& info);
  ~PerfReader() override;

  // Idempotent; safe from the JS thread only.
  void Close();

 private:
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);

  bool Start(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries, Napi::Object ring,
             uint8_t* base, uint32_t source, Napi::Function on_data, const PerfOptions& options);
  static void* ThreadMain(void* self);
  void Run();
  // Moves up to a batch from perf ring i. Returns false when the shared ring is full.
  bool DrainRing(size_t i, uint32_t* copied, uint64_t* copied_bytes, uint32_t* skipped,
                 uint32_t* blocked_len);
  void Wake();
  static void CleanupHook(void* self);

  bool open_ = false;
  bool hook_registered_ = false;
  BpfObject* owner_ = nullptr;
  int map_fd_ = -1;  // our dup of the map's fd
  uint8_t* base_ = nullptr;
  uint16_t source_ = 0;
  std::unique_ptr<SharedRing> ring_;
  KernelPerfbuf kernel_;
  WakeFunction wake_fn_;
  WakeState* wake_ = nullptr;  // owned by wake_fn_
  pthread_t thread_{};
  std::atomic<bool> stop_{false};

  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> full_waits_{0};
  std::atomic<uint64_t> wakeups_{0};
  std::atomic<uint64_t> lost_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> lost_by_ring_;  // PERF_RECORD_LOST counts, per ring
  std::vector<int> ring_cpus_;                              // CPU of each ring (kept after close)

  Napi::ObjectReference self_ref_;
  Napi::ObjectReference owner_ref_;
  Napi::ObjectReference ring_ref_;
};

}  // namespace kwire
