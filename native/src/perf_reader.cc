#include "perf_reader.h"

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

constexpr uint32_t kMaxBatchRecords = 4096;  // per perf ring per pass: publish and wake this often
constexpr long kFullWaitNs = 200 * 1000;     // sleep while the shared ring is full
constexpr int kIdleTimeoutMs = 200;          // look at the rings at least this often (watermarks)

void FinalizeWake(Napi::Env, void*, WakeState* wake) { delete wake; }

}  // namespace

Napi::Function PerfReader::Define(Napi::Env env) {
  return DefineClass(env, "PerfReader",
                     {InstanceMethod<&PerfReader::Stats>("stats"),
                      InstanceMethod<&PerfReader::CloseMethod>("close")});
}

PerfReader::PerfReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PerfReader>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() ||
      info[0].As<Napi::External<int>>().Data() != &construct_token) {
    ThrowNativeError(info.Env(), "EARG", 0, "", "PerfReader is created by BpfObject.openPerf()");
  }
}

PerfReader::~PerfReader() { Close(); }

Napi::Value PerfReader::Open(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries,
                             Napi::Value ring, uint32_t source, Napi::Function on_data,
                             const PerfOptions& options) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value arraybuffer;
  if (!ring.IsTypedArray() ||
      napi_get_typedarray_info(env, ring, &type, &length, &data, &arraybuffer, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    ThrowNativeError(env, "EARG", 0, "", "openPerf: ring must be a Uint8Array");
    return Napi::Value();
  }
  bool plain = false;  // see RingReader::Open: a plain ArrayBuffer means the view is not shared
  napi_is_arraybuffer(env, arraybuffer, &plain);
  if (plain || data == nullptr) {
    ThrowNativeError(env, "EARG", 0, "", "openPerf: ring must view a SharedArrayBuffer");
    return Napi::Value();
  }
  std::string bad = SharedRing::Validate(static_cast<uint8_t*>(data), length);
  if (!bad.empty()) {
    ThrowNativeError(env, "EARG", 0, "", "openPerf: " + bad);
    return Napi::Value();
  }
  Napi::External<int> token = Napi::External<int>::New(env, &construct_token);
  Napi::Object obj = GetAddonData(env)->perf_reader.New({token});
  if (env.IsExceptionPending()) return Napi::Value();
  PerfReader* reader = Unwrap(obj);
  if (!reader->Start(env, owner, map_fd, max_entries, ring.As<Napi::Object>(),
                     static_cast<uint8_t*>(data), source, on_data, options)) {
    return Napi::Value();
  }
  return obj;
}

bool PerfReader::Start(Napi::Env env, BpfObject* owner, int map_fd, uint32_t max_entries,
                       Napi::Object ring, uint8_t* base, uint32_t source, Napi::Function on_data,
                       const PerfOptions& options) {
  if (!ClaimRing(base)) {
    ThrowNativeError(env, "ESTATE", 0, "", "openPerf: this ring already has an open reader");
    return false;
  }
  map_fd_ = fcntl(map_fd, F_DUPFD_CLOEXEC, 0);
  if (map_fd_ < 0) {
    int err = errno;
    UnclaimRing(base);
    ThrowNativeError(env, "ESYS", err, "fcntl", WithStrerror("openPerf: dup map fd", err));
    return false;
  }
  const char* failed = "";
  int err = kernel_.Open(map_fd_, max_entries, options, &failed);
  if (err != 0) {
    close(map_fd_);
    map_fd_ = -1;
    UnclaimRing(base);
    ThrowNativeError(env, "ESYS", err, failed, WithStrerror("openPerf: open perf rings", err));
    return false;
  }
  lost_by_ring_.reset(new std::atomic<uint64_t>[kernel_.ring_count()]);
  for (size_t i = 0; i < kernel_.ring_count(); i++) {
    lost_by_ring_[i].store(0);
    ring_cpus_.push_back(kernel_.ring_cpu(i));
  }
  base_ = base;
  source_ = static_cast<uint16_t>(source);
  ring_.reset(new SharedRing(base));
  wake_ = new WakeState();
  wake_fn_ = WakeFunction::New(env, on_data, "kwire.PerfReader", 0, 1, wake_, FinalizeWake,
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
    ThrowNativeError(env, "ESYS", err, "pthread_create", WithStrerror("openPerf: start thread", err));
    return false;
  }
  open_ = true;
  owner_ = owner;
  owner->AddPerfReader(this);
  self_ref_ = Napi::Persistent(Value());
  owner_ref_ = Napi::Persistent(owner->Value());
  ring_ref_ = Napi::Persistent(ring);
  hook_registered_ = napi_add_env_cleanup_hook(env, CleanupHook, this) == napi_ok;
  return true;
}

void PerfReader::CleanupHook(void* self) {
  auto* reader = static_cast<PerfReader*>(self);
  reader->hook_registered_ = false;
  reader->Close();
}

void PerfReader::Close() {
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
  if (owner_) owner_->ForgetPerfReader(this);
  owner_ = nullptr;
  ring_ref_.Reset();
  owner_ref_.Reset();
  self_ref_.Reset();
}

void* PerfReader::ThreadMain(void* self) {
  static_cast<PerfReader*>(self)->Run();
  return nullptr;
}

void PerfReader::Wake() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the producer position before `pending`
  if (wake_->pending.exchange(true)) return;
  if (wake_fn_.NonBlockingCall() == napi_ok) {
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    ring_->AddWakeup();
  } else {
    wake_->pending.store(false);  // closing: nothing will be delivered
  }
}

bool PerfReader::DrainRing(size_t i, uint32_t* copied, uint64_t* copied_bytes, uint32_t* skipped,
                           uint32_t* blocked_len) {
  uint32_t max_payload = ring_->max_payload();
  bool room = true;
  PerfRecord rec;
  uint64_t lost = 0;
  for (uint32_t n = 0; n < kMaxBatchRecords;) {
    KernelPerfbuf::Peek peek = kernel_.PeekRecord(i, &rec, &lost);
    if (peek == KernelPerfbuf::Peek::kEmpty) break;
    if (peek == KernelPerfbuf::Peek::kLost) {
      lost_by_ring_[i].fetch_add(lost, std::memory_order_relaxed);
      lost_.fetch_add(lost, std::memory_order_relaxed);
      ring_->AddKernelLost(lost);
      kernel_.Advance(i), (*skipped)++;
      continue;
    }
    if (peek == KernelPerfbuf::Peek::kOther || rec.len > max_payload) {
      if (peek == KernelPerfbuf::Peek::kSample) ring_->AddOversize();
      kernel_.Advance(i), (*skipped)++;
      continue;
    }
    if (!ring_->TryWrite(source_, rec.data, rec.len)) {
      room = false, *blocked_len = rec.len;
      break;  // the record stays in the perf ring
    }
    kernel_.Advance(i);
    n++, (*copied)++, *copied_bytes += rec.len;
  }
  kernel_.Publish(i);  // once per batch: data_tail, handing the space back to the kernel
  return room;
}

void PerfReader::Run() {
  size_t rings = kernel_.ring_count();
  size_t first = 0;  // rotates, so that a busy CPU does not starve the others when the ring is full
  while (!stop_.load(std::memory_order_relaxed)) {
    uint32_t copied = 0, skipped = 0, blocked_len = 0;
    uint64_t copied_bytes = 0;
    bool full = false;
    for (size_t k = 0; k < rings && !full; k++) {
      full = !DrainRing((first + k) % rings, &copied, &copied_bytes, &skipped, &blocked_len);
    }
    first = (first + 1) % rings;
    if (ring_->Publish()) {
      records_.fetch_add(copied, std::memory_order_relaxed);
      bytes_.fetch_add(copied_bytes, std::memory_order_relaxed);
      Wake();
    }
    if (full) {
      // Stop reading the perf rings (the kernel counts PERF_RECORD_LOST meanwhile) until JS frees room.
      ring_->AddFullWait();
      full_waits_.fetch_add(1, std::memory_order_relaxed);
      struct timespec pause = {0, kFullWaitNs};
      while (!stop_.load(std::memory_order_relaxed) && !ring_->HasRoomFor(blocked_len)) {
        nanosleep(&pause, nullptr);
      }
      continue;
    }
    if (copied != 0 || skipped != 0) continue;  // look again before sleeping
    KernelPerfbuf::Wait wait = kernel_.WaitForData(kIdleTimeoutMs);
    if (wait == KernelPerfbuf::Wait::kStop) break;
    if (wait == KernelPerfbuf::Wait::kError) {
      struct timespec pause = {0, 1000 * 1000};
      nanosleep(&pause, nullptr);
    }
  }
}

Napi::Value PerfReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("records", Napi::Number::New(env, static_cast<double>(records_.load())));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_.load())));
  out.Set("fullWaits", Napi::Number::New(env, static_cast<double>(full_waits_.load())));
  out.Set("wakeups", Napi::Number::New(env, static_cast<double>(wakeups_.load())));
  out.Set("lost", Napi::Number::New(env, static_cast<double>(lost_.load())));
  Napi::Object by_cpu = Napi::Object::New(env);
  for (size_t i = 0; i < ring_cpus_.size(); i++) {
    by_cpu.Set(static_cast<uint32_t>(ring_cpus_[i]),
               Napi::Number::New(env, static_cast<double>(lost_by_ring_[i].load())));
  }
  out.Set("lostByCpu", by_cpu);
  return out;
}

Napi::Value PerfReader::CloseMethod(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

}  // namespace kwire
