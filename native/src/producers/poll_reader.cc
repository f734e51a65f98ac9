#include "producers/poll_reader.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"

namespace kwire {
namespace {

constexpr long kFullWaitNs = 200 * 1000;  // sleep while the shared ring is full

// Adaptive wake-ups (poll_reader.h). The JS thread hands the reading over to the poll thread when one
// callback copied a whole pass's worth (a backlog), or when it read faster than kHandOverRate over a
// window; the thread hands it back when it read slower than kHandBackRate over its window. The gap
// between the two rates keeps a steady load from switching back and forth.
constexpr uint64_t kHandOverRecords = 4096;
constexpr uint64_t kHandOverRate = 50000;  // records/s
constexpr uint64_t kJsWindowNs = 20 * 1000 * 1000;
constexpr uint64_t kHandBackRate = 20000;  // records/s
constexpr uint64_t kThreadWindowNs = 200 * 1000 * 1000;
// A JS-thread read that copied this many records does not defer the next one to the latency bound:
// the kernel ring is filling faster than the bound assumed, and waiting could overflow it.
constexpr uint64_t kBoundedReadRecords = 1024;

void FinalizeWake(Napi::Env, void*, WakeState* wake) { delete wake; }

uint64_t NowNs() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

}  // namespace

// Runs on the JS thread. Clears `pending` before calling onData, so that a batch published while
// onData runs always schedules another call.
void DeliverWake(Napi::Env env, Napi::Function on_data, WakeState* wake, void*) {
  if (env == nullptr || wake == nullptr) return;  // the function is being torn down
  wake->pending.store(false);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the fence in Wake()
  if (wake->closed.load()) return;
  if (wake->reader) wake->reader->TakeBackIfHandedBack();
  on_data.Call({});
  if (env.IsExceptionPending()) {
    // Node 20 would only print a deprecation warning for a Node-API module of this version; make a
    // throwing onData an ordinary uncaught exception instead.
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
    return;
  }
  if (!wake->closed.load() && wake->reader) wake->reader->ReadIfJsPolling();
}

bool ResolveSharedRing(Napi::Env env, Napi::Value ring, const char* method, uint8_t** base) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value arraybuffer;
  if (!ring.IsTypedArray() ||
      napi_get_typedarray_info(env, ring, &type, &length, &data, &arraybuffer, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    ThrowNativeError(env, "EARG", 0, "", std::string(method) + ": ring must be a Uint8Array");
    return false;
  }
  // napi_get_arraybuffer_info rejects SharedArrayBuffers on Node 20, and napi_is_arraybuffer is false
  // for them: a plain ArrayBuffer here means the view is not shared (and could be detached).
  bool plain = false;
  napi_is_arraybuffer(env, arraybuffer, &plain);
  if (plain || data == nullptr) {
    ThrowNativeError(env, "EARG", 0, "", std::string(method) + ": ring must view a SharedArrayBuffer");
    return false;
  }
  std::string bad = SharedRing::Validate(static_cast<uint8_t*>(data), length);
  if (!bad.empty()) {
    ThrowNativeError(env, "EARG", 0, "", std::string(method) + ": " + bad);
    return false;
  }
  *base = static_cast<uint8_t*>(data);
  return true;
}

bool ReadPaused(Napi::Env env, Napi::Value options, const char* method, bool* paused) {
  *paused = false;
  if (options.IsUndefined()) return true;
  Napi::Value v = options.IsObject() ? options.As<Napi::Object>().Get("paused") : options;
  if (v.IsUndefined()) return true;
  if (!v.IsBoolean()) {
    ThrowNativeError(env, "EARG", 0, "", std::string(method) + ": options.paused must be a boolean");
    return false;
  }
  *paused = v.As<Napi::Boolean>().Value();
  return true;
}

bool ReadWakeOptions(Napi::Env env, Napi::Value options, const char* method, WakeOptions* out) {
  *out = WakeOptions();
  if (!options.IsObject()) return true;
  Napi::Object o = options.As<Napi::Object>();
  Napi::Value v = o.Get("wake");
  if (!v.IsUndefined()) {
    std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    if (name == "thread" || name == "js") {
      out->mode = name == "js" ? WakeMode::kJs : WakeMode::kThread;
    } else if (name != "adaptive") {
      ThrowNativeError(env, "EARG", 0, "", std::string(method) + ": options.wake must be 'adaptive', 'thread' or 'js'");
      return false;
    }
  }
  Napi::Value b = o.Get("latencyBoundMs");
  if (!b.IsUndefined()) {
    double d = b.IsNumber() ? b.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 60000 && d == static_cast<uint32_t>(d))) {
      ThrowNativeError(env, "EARG", 0, "", std::string(method) + ": options.latencyBoundMs must be an integer in 0..60000");
      return false;
    }
    out->latency_bound_ms = static_cast<uint32_t>(d);
  }
  return true;
}

PollReader::~PollReader() {
  // Subclasses call Close() in their own destructor, while their kernel side still exists.
}

bool PollReader::Claim(Napi::Env env, uint8_t* base, int fd, const char* method) {
  if (!ClaimRing(base)) {
    ThrowNativeError(env, "ESTATE", 0, "", std::string(method) + ": this ring already has an open reader");
    return false;
  }
  fd_ = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (fd_ < 0) {
    int err = errno;
    UnclaimRing(base);
    ThrowNativeError(env, "ESYS", err, "fcntl", WithStrerror(std::string(method) + ": dup fd", err));
    return false;
  }
  base_ = base;
  return true;
}

void PollReader::Unclaim() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (base_) UnclaimRing(base_);
  base_ = nullptr;
}

bool PollReader::Begin(Napi::Env env, Napi::Object self, ReaderOwner* owner, Napi::Object ring,
                       uint8_t* base, uint32_t source, Napi::Function on_data, const char* name,
                       bool paused) {
  source_ = static_cast<uint16_t>(source);
  ring_.reset(new SharedRing(base));
  wake_ = new WakeState();
  wake_->reader = this;
  wake_fn_ = WakeFunction::New(env, on_data, name, 0, 1, wake_, FinalizeWake,
                               static_cast<void*>(nullptr));
  if (env.IsExceptionPending()) {
    delete wake_;
    wake_ = nullptr;
    CloseKernel();
    Unclaim();
    return false;
  }
  env_ = env;
  on_data_ref_ = Napi::Persistent(on_data);
  async_.reset(new Napi::AsyncContext(env, name));
  open_ = true;
  if (!paused && !Resume(env, name)) {
    open_ = false;
    wake_fn_.Release();  // the finalizer frees wake_
    wake_ = nullptr;
    CloseKernel();
    Unclaim();
    return false;
  }
  owner_ = owner;
  if (owner) {
    owner->AddReader(this);
    owner_ref_ = Napi::Persistent(owner->OwnerObject());
  }
  self_ref_ = Napi::Persistent(self);
  ring_ref_ = Napi::Persistent(ring);
  // Registered after the thread-safe function was created, so that it runs before that function's
  // own teardown (cleanup hooks run in reverse order of registration).
  hook_registered_ = napi_add_env_cleanup_hook(env, CleanupHook, this) == napi_ok;
  return true;
}

bool PollReader::Resume(Napi::Env env, const char* method) {
  if (!open_) {
    ThrowNativeError(env, "ESTATE", 0, "", std::string(method) + ": the reader is closed");
    return false;
  }
  if (running_ || js_polling_) return true;
  if (JsReads()) {
    StartJsPolling();
    if (js_polling_) return true;  // else: the poll thread reads
  }
  int err = pthread_create(&thread_, nullptr, ThreadMain, this);
  if (err != 0) {
    ThrowNativeError(env, "ESYS", err, "pthread_create",
                     WithStrerror(std::string(method) + ": start thread", err));
    return false;
  }
  running_ = true;
  return true;
}

bool PollReader::StartThread() {
  if (pthread_create(&thread_, nullptr, ThreadMain, this) != 0) return false;
  running_ = true;
  return true;
}

void PollReader::StartJsPolling() {
  if (poll_ == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env_, &loop) != napi_ok || loop == nullptr) return;
    poll_ = new uv_poll_t;
    if (uv_poll_init(loop, poll_, PollFd()) != 0) {
      delete poll_;
      poll_ = nullptr;
      return;
    }
    poll_->data = this;
  }
  if (uv_poll_start(poll_, UV_READABLE, OnPollable) != 0) return;
  js_polling_ = true;
  js_window_start_ns_ = NowNs();
  js_window_records_ = 0;
  // A notification that came before the handle watched the fd may never show as readiness (a perf
  // ring's poll reports a wake-up once, and epoll polls a newly watched fd twice): read once anyway,
  // from the next wake-up delivery (never from inside this call: Resume runs within open()).
  Wake();
}

void PollReader::StopJsPolling() {
  if (poll_ && js_polling_) uv_poll_stop(poll_);
  if (timer_armed_) uv_timer_stop(timer_);
  timer_armed_ = false;
  js_polling_ = false;
}

bool PollReader::PassAndPublish(Pass* pass) {
  DrainPass(pass);
  if (!ring_->Publish()) return false;
  records_.fetch_add(pass->copied, std::memory_order_relaxed);
  bytes_.fetch_add(pass->copied_bytes, std::memory_order_relaxed);
  return true;
}

uint64_t PollReader::FlushOnJsThread() {
  if (!open_ || !js_polling_) return 0;
  uint64_t copied = 0;
  for (;;) {
    Pass pass;
    PassAndPublish(&pass);
    copied += pass.copied;
    if (pass.full || pass.ended || (pass.copied == 0 && pass.skipped == 0)) return copied;
  }
}

void PollReader::ReadIfJsPolling() {
  if (open_ && js_polling_ && !timer_armed_) ReadOnJsThread();
}

// Readiness. Within the latency bound of the last read: stop watching and read when it elapses (the
// records meanwhile wait in the kernel ring, as in a C consumer's timed poll).
void PollReader::OnPollable(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<PollReader*>(handle->data);
  if (self->bound_ns_ != 0 && !self->timer_armed_ && self->last_read_records_ < kBoundedReadRecords) {
    uint64_t since = NowNs() - self->last_read_ns_;
    if (since < self->bound_ns_) {
      if (self->timer_ == nullptr) {
        self->timer_ = new uv_timer_t;
        uv_timer_init(uv_handle_get_loop(reinterpret_cast<uv_handle_t*>(handle)), self->timer_);
        self->timer_->data = self;
      }
      uint64_t wait_ms = (self->bound_ns_ - since + 999999) / 1000000;
      uv_poll_stop(handle);
      uv_timer_start(self->timer_, OnBoundElapsed, wait_ms, 0);
      self->timer_armed_ = true;
      return;
    }
  }
  self->ReadOnJsThread();
}

void PollReader::OnBoundElapsed(uv_timer_t* timer) {
  auto* self = static_cast<PollReader*>(timer->data);
  self->timer_armed_ = false;
  if (!self->open_ || !self->js_polling_) return;
  uv_poll_start(self->poll_, UV_READABLE, OnPollable);
  self->ReadOnJsThread();
}

// The JS thread's read: drain passes into the shared ring, each followed by onData (which decodes
// what the pass published), until the kernel side is empty; then, in kAdaptive, whether to hand over.
void PollReader::ReadOnJsThread() {
  if (!open_ || !js_polling_) return;
  last_read_ns_ = NowNs();
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  Napi::Object self = self_ref_.Value();  // onData may close the reader: keep it alive until we return
  (void)self;
  uint64_t copied = 0;
  bool over = false;
  for (;;) {
    Pass pass;
    if (PassAndPublish(&pass)) {
      CallOnData();
      if (!open_ || !js_polling_) return;
    }
    copied += pass.copied;
    if (pass.ended) {  // not expected of a reader with a PollFd; end as the thread would
      ended_.store(true);
      StopJsPolling();
      CallOnData();
      return;
    }
    if (mode_ == WakeMode::kAdaptive && (pass.full || copied >= kHandOverRecords)) {
      over = true;
      break;
    }
    if (pass.full && pass.copied == 0) break;  // kJs: onData did not free room; try at the next call
    if (pass.copied == 0 && pass.skipped == 0) break;
  }
  last_read_records_ = copied;
  js_window_records_ += copied;
  uint64_t now = NowNs();
  uint64_t elapsed = now - js_window_start_ns_;
  if (elapsed >= kJsWindowNs) {
    if (mode_ == WakeMode::kAdaptive && js_window_records_ * 1000000000u > kHandOverRate * elapsed) over = true;
    js_window_start_ns_ = now;
    js_window_records_ = 0;
  }
  if (!over) return;
  StopJsPolling();
  if (StartThread()) {
    hand_overs_.fetch_add(1, std::memory_order_relaxed);
  } else {
    StartJsPolling();  // no thread: keep reading here
  }
}

void PollReader::CallOnData() {
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  js_reads_.fetch_add(1, std::memory_order_relaxed);
  ring_->AddWakeup();
  Napi::Env env(env_);
  on_data_ref_.MakeCallback(env.Global(), {}, *async_);
  if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
}

void PollReader::TakeBackIfHandedBack() {
  if (!open_ || !handed_back_.load()) return;
  if (running_) {
    pthread_join(thread_, nullptr);
    running_ = false;
  }
  handed_back_.store(false);
  StartJsPolling();
  if (!js_polling_ && !StartThread()) {
    // Neither can read: not expected (uv_poll_start on a watched fd, pthread_create). The next
    // Resume() would retry; nothing is lost meanwhile, the kernel counts what it drops.
  }
}

void PollReader::CleanupHook(void* self) {
  auto* reader = static_cast<PollReader*>(self);
  reader->hook_registered_ = false;
  reader->Close();
}

void PollReader::Close() {
  if (!open_) return;
  open_ = false;
  StopJsPolling();
  if (poll_) {
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (timer_) {
    uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }
  stop_.store(true);
  if (running_) {
    StopKernel();
    pthread_join(thread_, nullptr);
    running_ = false;
  }
  wake_->closed.store(true);  // a wake-up still queued will not call onData
  wake_fn_.Release();         // lets the event loop exit; its finalizer frees wake_
  wake_ = nullptr;
  CloseKernel();
  Unclaim();
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
    hook_registered_ = false;
  }
  if (owner_) owner_->ForgetReader(this);
  owner_ = nullptr;
  ring_ref_.Reset();
  owner_ref_.Reset();
  self_ref_.Reset();
  on_data_ref_.Reset();
  async_.reset();
}

void* PollReader::ThreadMain(void* self) {
  static_cast<PollReader*>(self)->Run();
  return nullptr;
}

// After a batch was published: schedule one onData call unless one is already pending.
void PollReader::Wake() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the producer position before `pending`
  if (wake_->pending.exchange(true)) return;
  if (wake_fn_.NonBlockingCall() == napi_ok) {
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    ring_->AddWakeup();
  } else {
    wake_->pending.store(false);  // closing: nothing will be delivered
  }
}

void PollReader::Run() {
  const bool may_hand_back = mode_ == WakeMode::kAdaptive && PollFd() >= 0;
  uint64_t window_start = NowNs();
  uint64_t window_records = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    Pass pass;
    if (PassAndPublish(&pass)) {
      Wake();
    }
    window_records += pass.copied;
    if (pass.ended) {
      // One last onData, after the final records and `ended` are visible (coalesced with a call
      // still pending, which then sees them). Close() joins the finished thread.
      ended_.store(true);
      Wake();
      break;
    }
    if (pass.full) {
      // Stop reading the kernel (it counts its own drops meanwhile) until the consumer frees room.
      ring_->AddFullWait();
      full_waits_.fetch_add(1, std::memory_order_relaxed);
      struct timespec pause = {0, kFullWaitNs};
      while (!stop_.load(std::memory_order_relaxed) && !ring_->HasRoomFor(pass.blocked_len)) {
        nanosleep(&pause, nullptr);
      }
      continue;
    }
    if (pass.copied != 0 || pass.skipped != 0) continue;  // look again before sleeping
    if (may_hand_back) {
      // Everything copied is published and woken for: at a low rate, the JS thread reads from here on.
      uint64_t now = NowNs();
      uint64_t elapsed = now - window_start;
      if (elapsed >= kThreadWindowNs) {
        if (window_records * 1000000000u < kHandBackRate * elapsed) {
          handed_back_.store(true);
          Wake();
          break;
        }
        window_start = now;
        window_records = 0;
      }
    }
    // Nothing to read (or the next record is still being written): wait for the kernel's
    // notification. The pass published the kernel-side consumer positions before this wait; a BPF
    // ring buffer notifies only when that position equals the committed record's.
    Wait wait = WaitKernel(IdleTimeoutMs());
    if (wait == Wait::kStop) break;
    if (wait == Wait::kError) {  // not expected; do not spin on it
      struct timespec pause = {0, 1000 * 1000};
      nanosleep(&pause, nullptr);
    }
  }
}

void PollReader::CommonStats(Napi::Env env, Napi::Object out) const {
  out.Set("records", Napi::Number::New(env, static_cast<double>(records_.load())));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_.load())));
  out.Set("fullWaits", Napi::Number::New(env, static_cast<double>(full_waits_.load())));
  out.Set("wakeups", Napi::Number::New(env, static_cast<double>(wakeups_.load())));
  out.Set("jsThreadReads", Napi::Number::New(env, static_cast<double>(js_reads_.load())));
  out.Set("handOvers", Napi::Number::New(env, static_cast<double>(hand_overs_.load())));
}

}  // namespace kwire
