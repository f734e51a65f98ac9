#include "producers/perf_reader.h"

#include "addon.h"
#include "errors.h"

namespace kwire {
namespace {

constexpr uint32_t kMaxBatchRecords = 4096;  // per perf ring per pass: publish and wake this often

}  // namespace

Napi::Function PerfReader::Define(Napi::Env env) { return DefineReader(env, "PerfReader"); }

PerfReader::PerfReader(const Napi::CallbackInfo& info) : JsReader(info, "PerfReader is created by BpfObject.openPerf()") {}

PerfReader::~PerfReader() { Close(); }

Napi::Value PerfReader::Open(Napi::Env env, ReaderOwner* owner, int map_fd, uint32_t max_entries,
                             Napi::Value ring, uint32_t source, Napi::Function on_data,
                             const PerfOptions& options, bool paused, const WakeOptions& wake) {
  uint8_t* base = nullptr;
  if (!ResolveSharedRing(env, ring, "openPerf", &base)) return Napi::Value();
  Napi::Object obj = NewReader(env, GetAddonData(env)->perf_reader);
  if (env.IsExceptionPending()) return Napi::Value();
  PerfReader* reader = Unwrap(obj);
  if (!reader->Claim(env, base, map_fd, "openPerf")) return Napi::Value();
  const char* failed = "";
  int err = reader->kernel_.Open(reader->fd(), max_entries, options, &failed);
  if (err != 0) {
    reader->Unclaim();
    ThrowNativeError(env, "ESYS", err, failed, WithStrerror("openPerf: open perf rings", err));
    return Napi::Value();
  }
  reader->batched_wakeups_ = options.watermark_bytes != 0 || options.wakeup_events > 1;
  size_t rings = reader->kernel_.ring_count();
  reader->lost_by_ring_.reset(new std::atomic<uint64_t>[rings]);
  for (size_t i = 0; i < rings; i++) {
    reader->lost_by_ring_[i].store(0);
    reader->ring_cpus_.push_back(reader->kernel_.ring_cpu(i));
  }
  reader->SetWakeOptions(wake);
  if (!reader->Begin(env, obj, owner, ring.As<Napi::Object>(), base, source, on_data,
                     "kwire.PerfReader", paused)) {
    return Napi::Value();
  }
  return obj;
}

bool PerfReader::DrainRing(size_t i, Pass* pass) {
  SharedRing* ring = this->ring();
  uint32_t max_payload = ring->max_payload();
  bool room = true;
  PerfRecord rec;
  uint64_t lost = 0;
  for (uint32_t n = 0; n < kMaxBatchRecords;) {
    KernelPerfbuf::Peek peek = kernel_.PeekRecord(i, &rec, &lost);
    if (peek == KernelPerfbuf::Peek::kEmpty) break;
    if (peek == KernelPerfbuf::Peek::kLost) {
      lost_by_ring_[i].fetch_add(lost, std::memory_order_relaxed);
      lost_.fetch_add(lost, std::memory_order_relaxed);
      ring->AddKernelLost(lost);
      kernel_.Advance(i), pass->skipped++;
      continue;
    }
    if (peek == KernelPerfbuf::Peek::kOther || rec.len > max_payload) {
      if (peek == KernelPerfbuf::Peek::kSample) ring->AddOversize();
      kernel_.Advance(i), pass->skipped++;
      continue;
    }
    if (!ring->TryWrite(source(), rec.data, rec.len)) {
      room = false, pass->blocked_len = rec.len;
      break;  // the record stays in the perf ring
    }
    kernel_.Advance(i);
    n++, pass->copied++, pass->copied_bytes += rec.len;
  }
  kernel_.Publish(i);  // once per batch: data_tail, handing the space back to the kernel
  return room;
}

void PerfReader::DrainPass(Pass* pass) {
  size_t rings = kernel_.ring_count();
  for (size_t k = 0; k < rings && !pass->full; k++) {
    pass->full = !DrainRing((first_ + k) % rings, pass);
  }
  first_ = (first_ + 1) % rings;
}

PollReader::Wait PerfReader::WaitKernel(int timeout_ms) {
  switch (kernel_.WaitForData(timeout_ms)) {
    case KernelPerfbuf::Wait::kReady: return Wait::kReady;
    case KernelPerfbuf::Wait::kTimeout: return Wait::kTimeout;
    case KernelPerfbuf::Wait::kStop: return Wait::kStop;
    default: return Wait::kError;
  }
}

Napi::Value PerfReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  CommonStats(env, out);
  out.Set("lost", Napi::Number::New(env, static_cast<double>(lost_.load())));
  Napi::Object by_cpu = Napi::Object::New(env);
  for (size_t i = 0; i < ring_cpus_.size(); i++) {
    by_cpu.Set(static_cast<uint32_t>(ring_cpus_[i]),
               Napi::Number::New(env, static_cast<double>(lost_by_ring_[i].load())));
  }
  out.Set("lostByCpu", by_cpu);
  return out;
}

}  // namespace kwire
