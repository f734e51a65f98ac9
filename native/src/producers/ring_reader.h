// RingReader: a PollReader (poll_reader.h: thread, wake-up, lifetime) over one BPF ring buffer map.
#pragma once

#include <napi.h>

#include <cstdint>

#include "producers/kernel_ringbuf.h"
#include "producers/js_reader.h"

namespace kwire {

class RingReader : public JsReader<RingReader> {
 public:
  static Napi::Function Define(Napi::Env env);

  // Creates a reader and, unless `paused`, starts its thread (used by BpfObject.openRing). map_fd is
  // borrowed (the reader keeps a dup). On failure throws a NativeError and returns an empty value.
  static Napi::Value Open(Napi::Env env, ReaderOwner* owner, int map_fd, uint32_t max_entries,
                          Napi::Value ring, uint32_t source, Napi::Function on_data, bool paused,
                          const WakeOptions& wake);

  explicit RingReader(const Napi::CallbackInfo& info);
  ~RingReader() override;

 // stats(): the common counters and this reader's own.
  Napi::Value Stats(const Napi::CallbackInfo& info);

 private:
  void DrainPass(Pass* pass) override;
  Wait WaitKernel(int timeout_ms) override;
  void StopKernel() override { kernel_.Stop(); }
  void CloseKernel() override { kernel_.Close(); }
  // A safety net for BPF programs that commit with BPF_RB_NO_WAKEUP: look at the ring at least this
  // often even without a notification.
  int IdleTimeoutMs() const override { return 200; }
  // The map fd itself, not the thread's epoll around it: libuv's epoll watches it directly.
  int PollFd() const override { return fd(); }

  KernelRingbuf kernel_;
};

}  // namespace kwire
