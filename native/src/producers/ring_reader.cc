#include "producers/ring_reader.h"

#include "addon.h"
#include "errors.h"

namespace kwire {
namespace {

constexpr uint32_t kMaxBatchRecords = 4096;  // publish and wake at least this often

}  // namespace

Napi::Function RingReader::Define(Napi::Env env) { return DefineReader(env, "RingReader"); }

RingReader::RingReader(const Napi::CallbackInfo& info) : JsReader(info, "RingReader is created by BpfObject.openRing()") {}

RingReader::~RingReader() { Close(); }

Napi::Value RingReader::Open(Napi::Env env, ReaderOwner* owner, int map_fd, uint32_t max_entries,
                             Napi::Value ring, uint32_t source, Napi::Function on_data, bool paused,
                             const WakeOptions& wake) {
  uint8_t* base = nullptr;
  if (!ResolveSharedRing(env, ring, "openRing", &base)) return Napi::Value();
  Napi::Object obj = NewReader(env, GetAddonData(env)->ring_reader);
  if (env.IsExceptionPending()) return Napi::Value();
  RingReader* reader = Unwrap(obj);
  if (!reader->Claim(env, base, map_fd, "openRing")) return Napi::Value();
  const char* failed = "";
  int err = reader->kernel_.Open(reader->fd(), max_entries, &failed);
  if (err != 0) {
    reader->Unclaim();
    ThrowNativeError(env, "ESYS", err, failed, WithStrerror("openRing: map kernel ring", err));
    return Napi::Value();
  }
  reader->SetWakeOptions(wake);
  if (!reader->Begin(env, obj, owner, ring.As<Napi::Object>(), base, source, on_data,
                     "kwire.RingReader", paused)) {
    return Napi::Value();
  }
  return obj;
}

void RingReader::DrainPass(Pass* pass) {
  SharedRing* ring = this->ring();
  uint32_t max_payload = ring->max_payload();
  KernelRecord rec;
  while (pass->copied < kMaxBatchRecords &&
         kernel_.PeekRecord(&rec) == KernelRingbuf::Peek::kRecord) {
    if (rec.discarded) {
      kernel_.Advance(), pass->skipped++;
      continue;
    }
    if (rec.len > max_payload) {  // could never be sure to fit: count and drop
      ring->AddOversize();
      kernel_.Advance(), pass->skipped++;
      continue;
    }
    if (!ring->TryWrite(source(), rec.data, rec.len)) {
      pass->full = true, pass->blocked_len = rec.len;
      break;  // the record stays in the kernel ring
    }
    kernel_.Advance();
    pass->copied++, pass->copied_bytes += rec.len;
  }
  // Once per batch: hands the copied records' space back to the kernel. Also before every wait: the
  // kernel notifies only when this position equals the committed record's.
  kernel_.Publish();
}

PollReader::Wait RingReader::WaitKernel(int timeout_ms) {
  switch (kernel_.WaitForData(timeout_ms)) {
    case KernelRingbuf::Wait::kReady: return Wait::kReady;
    case KernelRingbuf::Wait::kTimeout: return Wait::kTimeout;
    case KernelRingbuf::Wait::kStop: return Wait::kStop;
    default: return Wait::kError;
  }
}

Napi::Value RingReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  CommonStats(info.Env(), out);
  return out;
}

}  // namespace kwire
