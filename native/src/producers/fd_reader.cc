#include "producers/fd_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "addon.h"
#include "errors.h"

namespace kwire {
namespace {

constexpr uint32_t kMaxBatchRecords = 4096;  // publish and wake at least this often
constexpr int kMaxReadsPerPass = 64;         // u32le: then publish, look at stop, read on
constexpr uint32_t kDefaultMaxRecord = 65536;
constexpr size_t kReadSize = 65536;          // u32le: bytes asked of each read() at least

const char kUsage[] =
    "openFdReader(fd: number, ring: Uint8Array, source: number, onData: function, options?: "
    "{ framing?: 'datagram' | 'u32le', maxRecord?: number, paused?: boolean })";

// Throws EARG; returns the empty value to return.
Napi::Value ThrowArg(Napi::Env env, const std::string& message, int err = 0, const char* syscall = "") {
  ThrowNativeError(env, "EARG", err, syscall, "openFdReader: " + message);
  return Napi::Value();
}

bool IsInteger(Napi::Value v, double min, double max, double* out) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || d != static_cast<double>(static_cast<int64_t>(d))) return false;
  *out = d;
  return true;
}

uint32_t ReadU32le(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

Napi::Function FdReader::Define(Napi::Env env) { return DefineReader(env, "FdReader"); }

FdReader::FdReader(const Napi::CallbackInfo& info) : JsReader(info, "FdReader is created by openFdReader()") {}

FdReader::~FdReader() { Close(); }

Napi::Value FdReader::OpenFdReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value options = info.Length() > 4 ? info[4] : env.Undefined();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[2].IsNumber() || !info[3].IsFunction() ||
      (!options.IsUndefined() && !options.IsObject())) {
    return ThrowArg(env, std::string("usage: ") + kUsage);
  }
  double fd = 0, source = 0, max_record = 0;
  if (!IsInteger(info[0], 0, 0x7fffffff, &fd)) return ThrowArg(env, "fd must be an integer >= 0");
  if (!IsInteger(info[2], 0, 0xffff, &source)) {
    return ThrowArg(env, "source must be an integer in 0..65535");
  }
  bool paused = false;
  if (!ReadPaused(env, options, "openFdReader", &paused)) return Napi::Value();
  uint8_t* base = nullptr;
  if (!ResolveSharedRing(env, info[1], "openFdReader", &base)) return Napi::Value();
  uint32_t max_payload = SharedRing::MaxPayloadOf(base);

  Napi::Object o = options.IsObject() ? options.As<Napi::Object>() : Napi::Object::New(env);
  Napi::Value framing_v = o.Get("framing");
  Napi::Value max_v = o.Get("maxRecord");
  std::string framing = framing_v.IsString() ? framing_v.As<Napi::String>().Utf8Value() : "";
  if (!framing_v.IsUndefined() && framing != "datagram" && framing != "u32le") {
    return ThrowArg(env, "options.framing must be 'datagram' or 'u32le'");
  }
  if (max_v.IsUndefined()) {
    max_record = std::min(kDefaultMaxRecord, max_payload);
  } else if (!IsInteger(max_v, 1, max_payload, &max_record)) {
    return ThrowArg(env, "options.maxRecord must be an integer in 1.." +
                             std::to_string(max_payload) + " (the ring's capacity / 2)");
  }

  FdKind kind;
  const char* failed = "";
  int err = DescribeFd(static_cast<int>(fd), &kind, &failed);
  if (err != 0) {
    return ThrowArg(env, WithStrerror("fd " + std::to_string(static_cast<int>(fd)), err), err, failed);
  }
  if (framing.empty()) framing = kind.datagrams() ? "datagram" : "u32le";
  if (framing == "datagram" && !kind.datagrams()) {
    return ThrowArg(env, "framing 'datagram' needs a datagram socket (SOCK_DGRAM, SOCK_SEQPACKET, "
                         "SOCK_RAW)");
  }
  if (framing == "u32le" && kind.datagrams()) {
    return ThrowArg(env, "framing 'u32le' needs a byte stream (file, pipe, FIFO, stream socket), "
                         "not a datagram socket");
  }

  Napi::Object obj = NewReader(env, GetAddonData(env)->fd_reader);
  if (env.IsExceptionPending()) return Napi::Value();
  FdReader* reader = Unwrap(obj);
  reader->framing_ = framing == "datagram" ? Framing::kDatagram : Framing::kU32le;
  reader->max_record_ = static_cast<uint32_t>(max_record);
  // A datagram: one record. u32le: room for one whole record (header included) and a read after it.
  reader->buf_.resize(reader->framing_ == Framing::kDatagram
                          ? reader->max_record_
                          : 4 + size_t{reader->max_record_} + kReadSize);
  if (!reader->Claim(env, base, static_cast<int>(fd), "openFdReader")) return Napi::Value();
  err = reader->input_.Open(reader->fd(), kind, &failed);
  if (err != 0) {
    reader->Unclaim();
    ThrowNativeError(env, "ESYS", err, failed, WithStrerror("openFdReader: watch fd", err));
    return Napi::Value();
  }
  if (!reader->Begin(env, obj, nullptr, info[1].As<Napi::Object>(), base,
                     static_cast<uint32_t>(source), info[3].As<Napi::Function>(), "kwire.FdReader",
                     paused)) {
    return Napi::Value();
  }
  return obj;
}

void FdReader::DrainPass(Pass* pass) {
  if (framing_ == Framing::kDatagram) {
    DrainDatagrams(pass);
  } else {
    DrainStream(pass);
  }
}

void FdReader::DrainDatagrams(Pass* pass) {
  SharedRing* ring = this->ring();
  if (holding_) {
    if (!ring->TryWrite(source(), buf_.data(), held_len_)) {
      pass->full = true, pass->blocked_len = held_len_;
      return;
    }
    holding_ = false;
    pass->copied++, pass->copied_bytes += held_len_;
  }
  while (pass->copied < kMaxBatchRecords) {
    FdInput::Result r = input_.ReadSome(buf_.data(), buf_.size());
    switch (r.status) {
      case FdInput::Status::kAgain: return;
      case FdInput::Status::kLost: CountLost(), pass->skipped++; continue;
      case FdInput::Status::kEnd: End(pass, 0); return;
      case FdInput::Status::kError: End(pass, r.err); return;
      case FdInput::Status::kData: break;
    }
    if (r.len > max_record_) {  // consumed whole by recv(MSG_TRUNC): never split
      ring->AddOversize();
      pass->skipped++;
      continue;
    }
    uint32_t len = static_cast<uint32_t>(r.len);
    if (!ring->TryWrite(source(), buf_.data(), len)) {
      holding_ = true, held_len_ = len;  // stays in buf_ until the consumer frees room
      pass->full = true, pass->blocked_len = len;
      return;
    }
    pass->copied++, pass->copied_bytes += len;
  }
}

void FdReader::DrainStream(Pass* pass) {
  for (int reads = 0;; reads++) {
    if (!CopyRecords(pass) || reads == kMaxReadsPerPass) return;
    if (start_ > 0) {  // keep the incomplete record at the front: the next read goes after it
      memmove(buf_.data(), buf_.data() + start_, end_ - start_);
      end_ -= start_, start_ = 0;
    }
    FdInput::Result r = input_.ReadSome(buf_.data() + end_, buf_.size() - end_);
    switch (r.status) {
      case FdInput::Status::kData: end_ += r.len; break;
      case FdInput::Status::kAgain: return;
      case FdInput::Status::kLost: CountLost(), pass->skipped++; break;
      case FdInput::Status::kEnd: End(pass, 0); return;
      case FdInput::Status::kError: End(pass, r.err); return;
    }
  }
}

bool FdReader::CopyRecords(Pass* pass) {
  SharedRing* ring = this->ring();
  for (;;) {
    if (skip_ != 0) {
      size_t drop = static_cast<size_t>(std::min<uint64_t>(skip_, end_ - start_));
      start_ += drop, skip_ -= drop;
      if (skip_ != 0) return true;  // more of it to read
    }
    size_t have = end_ - start_;
    if (have < 4) return true;
    uint32_t len = ReadU32le(buf_.data() + start_);
    if (len > max_record_) {  // counted and skipped, as an oversize kernel record is
      ring->AddOversize();
      pass->skipped++;
      start_ += 4, skip_ = len;
      continue;
    }
    if (have < 4 + size_t{len}) return true;  // the rest comes with a later read
    if (pass->copied >= kMaxBatchRecords) return false;
    if (!ring->TryWrite(source(), buf_.data() + start_ + 4, len)) {
      pass->full = true, pass->blocked_len = len;  // stays in buf_
      return false;
    }
    start_ += 4 + size_t{len};
    pass->copied++, pass->copied_bytes += len;
  }
}

void FdReader::End(Pass* pass, int err) {
  // Bytes of a record that never completed (a cut-off oversize record was counted as oversize).
  if (end_ > start_ && skip_ == 0) CountLost();
  start_ = end_ = 0, skip_ = 0;
  errno_.store(err);
  pass->ended = true;
}

void FdReader::CountLost() {
  lost_.fetch_add(1, std::memory_order_relaxed);
  ring()->AddKernelLost(1);
}

PollReader::Wait FdReader::WaitKernel(int timeout_ms) {
  switch (input_.WaitForData(timeout_ms)) {
    case FdInput::Wait::kReady: return Wait::kReady;
    case FdInput::Wait::kTimeout: return Wait::kTimeout;
    case FdInput::Wait::kStop: return Wait::kStop;
    default: return Wait::kError;
  }
}

Napi::Value FdReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // `ended` first: once it reads true, the counters read after it are final (the thread stored them
  // before it); read last, it could pair counters from before the last batch with ended: true.
  bool ended = this->ended();
  Napi::Object out = Napi::Object::New(env);
  CommonStats(env, out);
  out.Set("ended", Napi::Boolean::New(env, ended));
  out.Set("errno", Napi::Number::New(env, errno_.load()));
  out.Set("lost", Napi::Number::New(env, static_cast<double>(lost_.load())));
  return out;
}

}  // namespace kwire
