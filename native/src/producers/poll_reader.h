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
//
// Wake modes. A reader whose kernel side has a pollable fd (PollFd(): BPF ring and perf buffers) may
// read on the JS thread instead: a libuv poll handle on that fd runs the drain pass and onData in the
// same callback, one context switch per notification as a C consumer has, instead of two (kernel →
// poll thread → JS thread). kAdaptive (the default for those readers) starts on the JS thread, hands
// over to the poll thread when the rate rises (a backlog of a whole pass, or more than kHandOverRate
// records/s), and takes it back when the rate falls below kHandBackRate for a window; kThread never
// reads on the JS thread, kJs always does. One of the two reads at a time: the handle is stopped
// before the thread starts, and the thread has returned (joined on the JS thread) before it restarts.
#pragma once

#include <napi.h>
#include <pthread.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "producers/reader_owner.h"
#include "ring/shared_ring.h"

namespace kwire {

// Shared by the poll thread and the JS-thread callback; owned by the thread-safe function (freed in
// its finalizer), so a wake-up still queued after close() finds it alive.
class PollReader;
struct WakeState {
  std::atomic<bool> pending{false};
  std::atomic<bool> closed{false};
  PollReader* reader = nullptr;  // valid while !closed (both are read and changed on the JS thread)
};

enum class WakeMode { kAdaptive, kThread, kJs };

struct WakeOptions {
  WakeMode mode = WakeMode::kAdaptive;
  // JS-thread reading: at most one read per this many ms (0: every notification). A record waits at
  // most this long; a record after a quiet spell is read at once.
  uint32_t latency_bound_ms = 0;
};

void DeliverWake(Napi::Env env, Napi::Function on_data, WakeState* wake, void* unused);
using WakeFunction = Napi::TypedThreadSafeFunction<WakeState, void, DeliverWake>;

// A shared ring as openRing/openPerf receive it: a Uint8Array over a SharedArrayBuffer, validated.
// On failure throws a NativeError naming `method` and returns false.
bool ResolveSharedRing(Napi::Env env, Napi::Value ring, const char* method, uint8_t** base);

// Reads { paused?: boolean } from an options argument (undefined allowed). Throws and returns false
// on a bad value.
bool ReadPaused(Napi::Env env, Napi::Value options, const char* method, bool* paused);

// Reads { wake?: 'adaptive' | 'thread' | 'js', latencyBoundMs?: u32 } from an options argument
// (undefined allowed; default adaptive, 0). Throws and returns false on a bad value.
bool ReadWakeOptions(Napi::Env env, Napi::Value options, const char* method, WakeOptions* out);

class PollReader {
 public:
  virtual ~PollReader();

  // Idempotent; safe from the JS thread only.
  void Close();

  // JS thread, from a delivered wake-up: when the thread handed the reading back (kAdaptive at a low
  // rate), joins it and starts the JS-thread poll handle.
  void TakeBackIfHandedBack();
  // JS thread, after a delivered wake-up's onData: a read of the kernel side when the JS thread reads.
  void ReadIfJsPolling();
  // JS thread: while the JS thread reads, copies what the kernel side holds into the shared ring now
  // (no onData), e.g. before a planned stop; returns the records copied (0 when the thread reads: it
  // copies on its own).
  uint64_t FlushOnJsThread();

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
  // An fd readable (level-triggered) while the kernel side has data, for reading on the JS thread; -1
  // (the default): the kernel side is read on the poll thread only.
  virtual int PollFd() const { return -1; }
  // Before Begin: how this reader wakes (see the top of this file). Ignored without a PollFd().
  void SetWakeOptions(const WakeOptions& wake) { mode_ = wake.mode, bound_ns_ = wake.latency_bound_ms * 1000000ull; }

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
  // Sets the common stats (records, bytes, fullWaits, wakeups, jsThreadReads, handOvers) on `out`.
  void CommonStats(Napi::Env env, Napi::Object out) const;

  SharedRing* ring() { return ring_.get(); }
  uint16_t source() const { return source_; }
  // A pass reported `ended` and everything before it was published (the thread has returned or is
  // about to). Any thread.
  bool ended() const { return ended_.load(); }

 private:
  // One drain pass, then the shared ring's publish; counts what it published. True when something was
  // published (the consumer needs a call or a wake-up).
  bool PassAndPublish(Pass* pass);
  static void* ThreadMain(void* self);
  void Run();
  void Wake();
  static void CleanupHook(void* self);
  bool StartThread();
  // The JS-thread side: the poll handle, its callback and the hand-over to the thread.
  bool JsReads() const { return mode_ != WakeMode::kThread && PollFd() >= 0; }
  void StartJsPolling();
  void StopJsPolling();
  static void OnPollable(uv_poll_t* handle, int status, int events);
  static void OnBoundElapsed(uv_timer_t* timer);
  void ReadOnJsThread();
  void CallOnData();

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
  std::atomic<uint64_t> js_reads_{0};   // onData calls made from the JS-thread poll handle
  std::atomic<uint64_t> hand_overs_{0}; // JS thread → poll thread

  WakeMode mode_ = WakeMode::kThread;
  uv_poll_t* poll_ = nullptr;  // JS-thread reading: created on first use, closed by Close
  bool js_polling_ = false;    // the JS thread reads (the handle is started, or the bound timer is)
  uint64_t bound_ns_ = 0;      // latency bound: at most one JS-thread read per bound_ns_
  uv_timer_t* timer_ = nullptr;
  bool timer_armed_ = false;
  uint64_t last_read_ns_ = 0;
  uint64_t last_read_records_ = 0;  // a large last read: the bound does not defer the next one
  std::atomic<bool> handed_back_{false};  // the thread returned to let the JS thread read
  uint64_t js_window_start_ns_ = 0;
  uint64_t js_window_records_ = 0;
  Napi::FunctionReference on_data_ref_;
  std::unique_ptr<Napi::AsyncContext> async_;

  Napi::ObjectReference self_ref_;
  Napi::ObjectReference owner_ref_;
  Napi::ObjectReference ring_ref_;
};

}  // namespace kwire
