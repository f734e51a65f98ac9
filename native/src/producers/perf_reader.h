// PerfReader: a PollReader (poll_reader.h: thread, wake-up, lifetime) over one BPF perf event array:
// one perf ring per CPU, PERF_RECORD_LOST counted per CPU.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "producers/kernel_perfbuf.h"
#include "producers/js_reader.h"

namespace kwire {

class PerfReader : public JsReader<PerfReader> {
 public:
  static Napi::Function Define(Napi::Env env);

  // Creates a reader and, unless `paused`, starts its thread (used by BpfObject.openPerf). The perf
  // events are open, in the map and enabled on return either way. map_fd is borrowed (the reader
  // keeps a dup). On failure throws a NativeError and returns an empty value.
  static Napi::Value Open(Napi::Env env, ReaderOwner* owner, int map_fd, uint32_t max_entries,
                          Napi::Value ring, uint32_t source, Napi::Function on_data,
                          const PerfOptions& options, bool paused, const WakeOptions& wake);

  explicit PerfReader(const Napi::CallbackInfo& info);
  ~PerfReader() override;

 // stats(): the common counters and this reader's own.
  Napi::Value Stats(const Napi::CallbackInfo& info);

 private:
  void DrainPass(Pass* pass) override;
  Wait WaitKernel(int timeout_ms) override;
  void StopKernel() override { kernel_.Stop(); }
  void CloseKernel() override { kernel_.Close(); }
  // With a wake-up every N > 1 samples (or at a byte watermark) the last samples before a quiet
  // spell never notify: look at the rings every 10 ms then (libbpf users call perf_buffer__consume).
  int IdleTimeoutMs() const override { return batched_wakeups_ ? 10 : 200; }
  // The JS thread reads only rings that notify on every sample: it has no 10 ms look.
  int PollFd() const override { return batched_wakeups_ ? -1 : kernel_.poll_fd(); }
  // Moves up to a batch from perf ring i. Returns false when the shared ring is full.
  bool DrainRing(size_t i, Pass* pass);

  KernelPerfbuf kernel_;
  bool batched_wakeups_ = false;
  size_t first_ = 0;  // rotates, so that a busy CPU does not starve the others when the ring is full
  std::atomic<uint64_t> lost_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> lost_by_ring_;  // PERF_RECORD_LOST counts, per ring
  std::vector<int> ring_cpus_;                              // CPU of each ring (kept after close)
};

}  // namespace kwire
