#include "ring_reader.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "addon.h"
#include "bpf_object.h"
#include "errors.h"

namespace kwire {
namespace {

// Passed as the constructor's only argument so that JS cannot create a reader by itself.
int construct_token;

constexpr uint32_t kMaxBatchRecords = 4096;  // publish and wake at least this often
constexpr long kFullWaitNs = 200 * 1000;     // sleep while the shared ring is full
// A safety net for BPF programs that commit with BPF_RB_NO_WAKEUP: look at the ring at least this
// often even without a notification.
constexpr int kIdleTimeoutMs = 200;

}  // namespace

// Runs on the JS thread. Clears `pending` before calling onData, so that a batch published while
// onData runs always schedules another call.
void DeliverWake(Napi::Env env, Napi::Function on_data, WakeState* wake, void*) {
  if (env == nullptr || wake == nullptr) return;  // the function is being torn down
  wake->pending.store(false);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the fence in Wake()
  if (wake->closed.load()) return;
  on_data.Call({});
  if (env.IsExceptionPending()) {
    // Node 20 would only print a deprecation warning for a Node-API module of this version; make a
    // throwing onData an ordinary uncaught exception instead.
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }
}

static void FinalizeWake(Napi::Env, void*, WakeState* wake) { delete wake; }

Napi::Function RingReader::Define(Napi::Env env) {
  return DefineClass(env, "RingReader",
                     {InstanceMethod<&RingReader::Stats>("stats"),
                      InstanceMethod<&RingReader::CloseMethod>("close")});
}

RingReader::RingReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingReader>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() ||
      info[0].As<Napi::External<int>>().Data() != &construct_token) {
    ThrowNativeError(info.Env(), "EARG", 0, "", "RingReader is created by BpfObject.openRing()");
  }
}

RingReader::~RingReader() { Close(); }

Napi::Value RingReader::Open(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries,
                             Napi::Value ring, uint32_t source, Napi::Function on_data) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value arraybuffer;
  if (!ring.IsTypedArray() ||
      napi_get_typedarray_info(env, ring, &type, &length, &data, &arraybuffer, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    ThrowNativeError(env, "EARG", 0, "", "openRing: ring must be a Uint8Array");
    return Napi::Value();
  }
  // napi_get_arraybuffer_info rejects SharedArrayBuffers on Node 20, and napi_is_arraybuffer is false
  // for them: a plain ArrayBuffer here means the view is not shared (and could be detached).
  bool plain = false;
  napi_is_arraybuffer(env, arraybuffer, &plain);
  if (plain || data == nullptr) {
    ThrowNativeError(env, "EARG", 0, "", "openRing: ring must view a SharedArrayBuffer");
    return Napi::Value();
  }
  std::string bad = SharedRing::Validate(static_cast<uint8_t*>(data), length);
  if (!bad.empty()) {
    ThrowNativeError(env, "EARG", 0, "", "openRing: " + bad);
    return Napi::Value();
  }
  Napi::External<int> token = Napi::External<int>::New(env, &construct_token);
  Napi::Object obj = GetAddonData(env)->ring_reader.New({token});
  if (env.IsExceptionPending()) return Napi::Value();
  RingReader* reader = Unwrap(obj);
  if (!reader->Start(env, owner, map_fd, max_entries, ring.As<Napi::Object>(),
                     static_cast<uint8_t*>(data), source, on_data)) {
    return Napi::Value();
  }
  return obj;
}

bool RingReader::Start(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries,
                       Napi::Object ring, uint8_t* base, uint32_t source, Napi::Function on_data) {
  if (!ClaimRing(base)) {
    ThrowNativeError(env, "ESTATE", 0, "", "openRing: this ring already has an open reader");
    return false;
  }
  map_fd_ = fcntl(map_fd, F_DUPFD_CLOEXEC, 0);
  if (map_fd_ < 0) {
    int err = errno;
    UnclaimRing(base);
    ThrowNativeError(env, "ESYS", err, "fcntl", WithStrerror("openRing: dup map fd", err));
    return false;
  }
  const char* failed = "";
  int err = kernel_.Open(map_fd_, max_entries, &failed);
  if (err != 0) {
    close(map_fd_);
    map_fd_ = -1;
    UnclaimRing(base);
    ThrowNativeError(env, "ESYS", err, failed, WithStrerror("openRing: map kernel ring", err));
    return false;
  }
  base_ = base;
  source_ = static_cast<uint16_t>(source);
  ring_.reset(new SharedRing(base));
  wake_ = new WakeState();
  wake_fn_ = WakeFunction::New(env, on_data, "kwire.RingReader", 0, 1, wake_, FinalizeWake,
                               static_cast<void*>(nullptr));
  if (env.IsExceptionPending()) {
    delete wake_;
    wake_ = nullptr;
    kernel_.Close();
    close(map_fd_);
    map_fd_ = -1;
    UnclaimRing(base);
    return false;
  }
  err = pthread_create(&thread_, nullptr, ThreadMain, this);
  if (err != 0) {
    wake_fn_.Release();  // the finalizer frees wake_
    wake_ = nullptr;
    kernel_.Close();
    close(map_fd_);
    map_fd_ = -1;
    UnclaimRing(base);
    ThrowNativeError(env, "ESYS", err, "pthread_create", WithStrerror("openRing: start thread", err));
    return false;
  }
  open_ = true;
  owner_ = owner;
  owner->AddReader(this);
  self_ref_ = Napi::Persistent(Value());
  owner_ref_ = Napi::Persistent(owner->Value());
  ring_ref_ = Napi::Persistent(ring);
  // Registered after the thread-safe function was created, so that it runs before that function's
  // own teardown (cleanup hooks run in reverse order of registration).
  hook_registered_ = napi_add_env_cleanup_hook(env, CleanupHook, this) == napi_ok;
  return true;
}

void RingReader::CleanupHook(void* self) {
  auto* reader = static_cast<RingReader*>(self);
  reader->hook_registered_ = false;
  reader->Close();
}

void RingReader::Close() {
  if (!open_) return;
  open_ = false;
  stop_.store(true);
  kernel_.Stop();
  pthread_join(thread_, nullptr);
  wake_->closed.store(true);  // a wake-up still queued will not call onData
  wake_fn_.Release();         // lets the event loop exit; its finalizer frees wake_
  wake_ = nullptr;
  kernel_.Close();
  close(map_fd_);
  map_fd_ = -1;
  UnclaimRing(base_);
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(Env(), CleanupHook, this);
    hook_registered_ = false;
  }
  if (owner_) owner_->ForgetReader(this);
  owner_ = nullptr;
  ring_ref_.Reset();
  owner_ref_.Reset();
  self_ref_.Reset();
}

void* RingReader::ThreadMain(void* self) {
  static_cast<RingReader*>(self)->Run();
  return nullptr;
}

// After a batch was published: schedule one onData call unless one is already pending.
void RingReader::Wake() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the producer position before `pending`
  if (wake_->pending.exchange(true)) return;
  if (wake_fn_.NonBlockingCall() == napi_ok) {
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    ring_->AddWakeup();
  } else {
    wake_->pending.store(false);  // closing: nothing will be delivered
  }
}

void RingReader::Run() {
  uint32_t max_payload = ring_->max_payload();
  while (!stop_.load(std::memory_order_relaxed)) {
    uint32_t copied = 0, skipped = 0, blocked_len = 0;
    uint64_t copied_bytes = 0;
    bool full = false;
    KernelRecord rec;
    while (copied < kMaxBatchRecords &&
           kernel_.PeekRecord(&rec) == KernelRingbuf::Peek::kRecord) {
      if (rec.discarded) {
        kernel_.Advance(), skipped++;
        continue;
      }
      if (rec.len > max_payload) {  // could never be sure to fit: count and drop
        ring_->AddOversize();
        kernel_.Advance(), skipped++;
        continue;
      }
      if (!ring_->TryWrite(source_, rec.data, rec.len)) {
        full = true, blocked_len = rec.len;
        break;  // the record stays in the kernel ring
      }
      kernel_.Advance();
      copied++, copied_bytes += rec.len;
    }
    kernel_.Publish();  // once per batch: hands the copied records' space back to the kernel
    if (ring_->Publish()) {
      records_.fetch_add(copied, std::memory_order_relaxed);
      bytes_.fetch_add(copied_bytes, std::memory_order_relaxed);
      Wake();
    }
    if (full) {
      // Stop reading the kernel ring (it counts its own drops meanwhile) until the consumer frees room.
      ring_->AddFullWait();
      full_waits_.fetch_add(1, std::memory_order_relaxed);
      struct timespec pause = {0, kFullWaitNs};
      while (!stop_.load(std::memory_order_relaxed) && !ring_->HasRoomFor(blocked_len)) {
        nanosleep(&pause, nullptr);
      }
      continue;
    }
    if (copied != 0 || skipped != 0) continue;  // look again before sleeping
    // Empty, or the next record is still being written (busy): wait for the kernel's notification.
    // The kernel notifies only when our published consumer position equals the committed record's
    // position, which is why the position was published above before waiting.
    KernelRingbuf::Wait wait = kernel_.WaitForData(kIdleTimeoutMs);
    if (wait == KernelRingbuf::Wait::kStop) break;
    if (wait == KernelRingbuf::Wait::kError) {  // not expected; do not spin on it
      struct timespec pause = {0, 1000 * 1000};
      nanosleep(&pause, nullptr);
    }
  }
}

Napi::Value RingReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("records", Napi::Number::New(env, static_cast<double>(records_.load())));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_.load())));
  out.Set("fullWaits", Napi::Number::New(env, static_cast<double>(full_waits_.load())));
  out.Set("wakeups", Napi::Number::New(env, static_cast<double>(wakeups_.load())));
  return out;
}

Napi::Value RingReader::CloseMethod(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

}  // namespace kwire
