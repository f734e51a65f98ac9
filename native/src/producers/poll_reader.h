// PollReader: the base of every producer, anything that fills a shared ring from its own fd on its own
// thread (RingReader: a BPF ring buffer; PerfReader: a perf event array; FdReader: a socket, pipe or
// file). It holds the shared-ring claim, the poll thread moving records into the shared ring, the
// coalesced JS wake-up after each published batch, and close. A subclass supplies the kernel side: one
// drain pass, the wait for a notification, and how to interrupt that wait.
//
// Lifetime: while open, the reader keeps itself, its owner (if any) and the ring's Uint8Array alive, and
// its thread-safe function keeps the event loop alive (a live source). Close() stops and joins the
// thread, releases the thread-safe function and closes the kernel side. If the environment is torn
// down while the reader is open (process exit, worker termination), an env cleanup hook does the same.
// A reader opened paused has everything open (the kernel keeps writing into its rings) but no thread
// until Resume(): the way to fill the kernel rings before the first read. A pass that reports `ended`
// (input over) ends the thread after a last wake-up; the reader stays open until Close().
#pragma once

#include <napi.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "producers/reader_owner.h"
#include "ring/shared_ring.h"

namespace kwire {

// Shared by the poll thread and the JS-thread callback; owned by the thread-safe function (freed in
// its finalizer), so a wake-up still queued after close() finds it alive.
struct WakeState {
  std::atomic<bool> pending{false};
  std::atomic<bool> closed{false};
};

void DeliverWake(Napi::Env env, Napi::Function on_data, WakeState* wake, void* unused);
using WakeFunction = Napi::TypedThreadSafeFunction<WakeState, void, DeliverWake>;

// A shared ring as openRing/openPerf receive it: a Uint8Array over a SharedArrayBuffer, validated.
// On failure throws a NativeError naming `method` and returns false.
bool ResolveSharedRing(Napi::Env env, Napi::Value ring, const char* method, uint8_t** base);

// Reads { paused?: boolean } from an options argument (undefined allowed). Throws and returns false
// on a bad value.
bool ReadPaused(Napi::Env env, Napi::Value options, const char* method, bool* paused);

class PollReader {
 public:
  virtual ~PollReader();

  // Idempotent; safe from the JS thread only.
  void Close();

 protected:
  // What one drain pass did.
  struct Pass {
    uint32_t copied = 0;       // records written into the shared ring
    uint64_t copied_bytes = 0;
    uint32_t skipped = 0;      // records consumed without a copy (discarded, oversize, lost notes)
    bool full = false;         // stopped because the shared ring has no room for a record of
    uint32_t blocked_len = 0;  // this length, which stays in the kernel ring
    bool ended = false;        // the input is over (EOF, a read error): publish, wake, end the thread
  };
  enum class Wait { kReady, kTimeout, kStop, kError };

  // The kernel side, called on the poll thread except CloseKernel (JS thread, thread joined or never
  // started) and StopKernel (any thread).
  virtual void DrainPass(Pass* pass) = 0;  // copies what it can, publishes kernel positions
  virtual Wait WaitKernel(int timeout_ms) = 0;
  virtual void StopKernel() = 0;            // makes WaitKernel return kStop
  virtual void CloseKernel() = 0;
  // How long the thread waits for a notification before looking at the kernel rings anyway.
  virtual int IdleTimeoutMs() const { return 200; }

  // A subclass's Open: Claim, open its kernel side on fd() (on failure: Unclaim, throw), Begin.
  // Claim takes `base` for this reader (one producer per ring) and dups `fd` (borrowed: a map's, a
  // socket's, a file's); Unclaim (or Close) closes the dup.
  bool Claim(Napi::Env env, uint8_t* base, int fd, const char* method);
  void Unclaim();
  int fd() const { return fd_; }
  // Creates the wake-up and, unless paused, starts the thread. `owner` may be nullptr. On failure
  // closes the kernel side, unclaims, throws and returns false.
  bool Begin(Napi::Env env, Napi::Object self, ReaderOwner* owner, Napi::Object ring, uint8_t* base,
             uint32_t source, Napi::Function on_data, const char* name, bool paused);
  // Starts the thread of a reader opened paused. Throws ESTATE when closed; no-op when running.
  bool Resume(Napi::Env env, const char* method);
  // Sets the common stats (records, bytes, fullWaits, wakeups) on `out`.
  void CommonStats(Napi::Env env, Napi::Object out) const;

  SharedRing* ring() { return ring_.get(); }
  uint16_t source() const { return source_; }
  // A pass reported `ended` and everything before it was published (the thread has returned or is
  // about to). Any thread.
  bool ended() const { return ended_.load(); }

 private:
  static void* ThreadMain(void* self);
  void Run();
  void Wake();
  static void CleanupHook(void* self);

  bool open_ = false;
  bool running_ = false;  // the thread was started (and is joined by Close)
  bool hook_registered_ = false;
  napi_env env_ = nullptr;
  ReaderOwner* owner_ = nullptr;
  int fd_ = -1;  // our dup of the kernel side's fd
  uint8_t* base_ = nullptr;
  uint16_t source_ = 0;
  std::unique_ptr<SharedRing> ring_;
  WakeFunction wake_fn_;
  WakeState* wake_ = nullptr;  // owned by wake_fn_
  pthread_t thread_{};
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};

  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> full_waits_{0};
  std::atomic<uint64_t> wakeups_{0};

  Napi::ObjectReference self_ref_;
  Napi::ObjectReference owner_ref_;
  Napi::ObjectReference ring_ref_;
};

}  // namespace kwire
