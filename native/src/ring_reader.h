// RingReader: a poll thread moving the records of one BPF ring buffer map into the shared ring, and
// the JS-thread wake-up that follows each published batch (coalesced: one pending at a time).
//
// Lifetime: while open, the reader keeps itself, its BpfObject and the ring's Uint8Array alive, and
// its thread-safe function keeps the event loop alive (a live source). close() stops and joins the
// thread, releases the thread-safe function and unmaps the kernel ring. If the environment is torn
// down while the reader is open (process exit, worker termination), an env cleanup hook does the same.
#pragma once

#include <napi.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "kernel_ringbuf.h"
#include "shared_ring.h"

namespace kwire {

class BpfObject;

// Shared by the poll thread and the JS-thread callback; owned by the thread-safe function (freed in
// its finalizer), so a wake-up still queued after close() finds it alive.
struct WakeState {
  std::atomic<bool> pending{false};
  std::atomic<bool> closed{false};
};

void DeliverWake(Napi::Env env, Napi::Function on_data, WakeState* wake, void* unused);
using WakeFunction = Napi::TypedThreadSafeFunction<WakeState, void, DeliverWake>;

class RingReader : public Napi::ObjectWrap<RingReader> {
 public:
  static Napi::Function Define(Napi::Env env);

  // Creates a reader and starts its thread (used by BpfObject.openRing). map_fd is borrowed (the
  // reader keeps a dup). On failure throws a NativeError and returns an empty value.
  static Napi::Value Open(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries,
                          Napi::Value ring, uint32_t source, Napi::Function on_data);

  explicit RingReader(const Napi::CallbackInfo& info);
  ~RingReader() override;

  // Idempotent; safe from the JS thread only.
  void Close();

 private:
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);

  bool Start(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries, Napi::Object ring,
             uint8_t* base, uint32_t source, Napi::Function on_data);
  static void* ThreadMain(void* self);
  void Run();
  void Wake();
  static void CleanupHook(void* self);

  bool open_ = false;
  bool hook_registered_ = false;
  BpfObject* owner_ = nullptr;
  int map_fd_ = -1;        // our dup of the map's fd
  uint8_t* base_ = nullptr;
  uint16_t source_ = 0;
  std::unique_ptr<SharedRing> ring_;
  KernelRingbuf kernel_;
  WakeFunction wake_fn_;
  WakeState* wake_ = nullptr;  // owned by wake_fn_
  pthread_t thread_{};
  std::atomic<bool> stop_{false};

  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> full_waits_{0};
  std::atomic<uint64_t> wakeups_{0};

  Napi::ObjectReference self_ref_;
  Napi::ObjectReference owner_ref_;
  Napi::ObjectReference ring_ref_;
};

}  // namespace kwire
