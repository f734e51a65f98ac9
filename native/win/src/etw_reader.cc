#include "etw_reader.h"

#include <string>

#include "errors.h"
#include "etw_frame.h"
#include "etw_addon.h"

namespace kwire {
namespace {

bool ReadU32(Napi::Object o, const char* key, ULONG* out) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) return false;
  *out = v.As<Napi::Number>().Uint32Value();
  return true;
}

std::wstring Wide(const std::string& text) { return std::wstring(text.begin(), text.end()); }

// The session configuration etw-session.ts computed (etwSessionConfig): every field is required.
bool ReadConfig(Napi::Env env, Napi::Value value, EtwSessionConfig* c, std::vector<uint16_t>* keep, bool* paused) {
  if (!value.IsObject()) return false;
  Napi::Object o = value.As<Napi::Object>();
  if (!o.Get("loggerName").IsString() || !o.Get("rundownLoggerName").IsString()) return false;
  c->logger_name = Wide(o.Get("loggerName").As<Napi::String>().Utf8Value());
  c->rundown_logger_name = Wide(o.Get("rundownLoggerName").As<Napi::String>().Utf8Value());
  c->private_logger = o.Get("privateLogger").ToBoolean().Value();
  *paused = o.Get("paused").ToBoolean().Value();
  if (!ReadU32(o, "enableFlags", &c->enable_flags) || !ReadU32(o, "bufferSizeKb", &c->buffer_size_kb) ||
      !ReadU32(o, "minimumBuffers", &c->minimum_buffers) || !ReadU32(o, "maximumBuffers", &c->maximum_buffers) ||
      !ReadU32(o, "flushTimerSeconds", &c->flush_timer_s))
    return false;
  Napi::Value rundown = o.Get("rundown"), classes = o.Get("keepClasses");
  if (!rundown.IsArray() || !classes.IsArray()) return false;
  Napi::Array r = rundown.As<Napi::Array>();
  for (uint32_t i = 0; i < r.Length(); i++) c->rundown.push_back(r.Get(i).ToString().Utf8Value());
  Napi::Array k = classes.As<Napi::Array>();
  for (uint32_t i = 0; i < k.Length(); i++) keep->push_back(static_cast<uint16_t>(k.Get(i).ToNumber().Uint32Value()));
  return true;
}

}  // namespace

void DeliverEtwWake(Napi::Env env, Napi::Function on_data, EtwWake* wake, void*) {
  wake->pending.store(false);
  if (env != nullptr && !wake->closed.load()) on_data.Call({});
}

Napi::Function EtwReader::Define(Napi::Env env) {
  return DefineClass(env, "EtwReader",
                     {InstanceMethod("stats", &EtwReader::Stats), InstanceMethod("start", &EtwReader::StartMethod),
                      InstanceMethod("close", &EtwReader::CloseMethod)});
}

EtwReader::EtwReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EtwReader>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() ||
      info[0].As<Napi::External<int>>().Data() != &GetEtwAddonData(info.Env())->token) {
    ThrowNativeError(info.Env(), "EARG", 0, "", "EtwReader is created by openEtw()");
  }
}

EtwReader::~EtwReader() { Close(); }

Napi::Value EtwReader::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EtwSessionConfig config;
  std::vector<uint16_t> keep;
  bool paused = false;
  if (info.Length() < 4 || !ReadConfig(env, info[0], &config, &keep, &paused) || !info[1].IsTypedArray() ||
      !info[2].IsNumber() || !info[3].IsFunction()) {
    ThrowNativeError(env, "EARG", 0, "", "openEtw(config, ring: Uint8Array, source: number, onData: function)");
    return env.Undefined();
  }
  Napi::Uint8Array ring = info[1].As<Napi::Uint8Array>();
  uint8_t* base = ring.Data();
  std::string invalid = SharedRing::Validate(base, ring.ByteLength());
  if (!invalid.empty()) {
    ThrowNativeError(env, "EARG", 0, "", "openEtw(): " + invalid);
    return env.Undefined();
  }
  if (!ClaimRing(base)) {
    ThrowNativeError(env, "ESTATE", 0, "", "openEtw(): the ring already has a producer");
    return env.Undefined();
  }
  Napi::Object self = GetEtwAddonData(env)->etw_reader.New({Napi::External<int>::New(env, &GetEtwAddonData(env)->token)});
  EtwReader* r = Unwrap(self);
  r->base_ = base;
  r->source_ = static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value());
  for (uint16_t c : keep)
    if (c < 256) r->class_filter_[c / 8] |= static_cast<uint8_t>(1u << (c % 8));

  EtwError error = r->session_.Start(config);
  if (error) {
    UnclaimRing(base);
    ThrowNativeError(env, error.code, static_cast<int>(error.win32), error.call, error.message);
    return env.Undefined();
  }
  r->rundown_ = r->session_.Rundown();
  std::wstring names[2] = {r->session_.logger_name(), r->session_.rundown_session()};
  for (const std::wstring& name : names) {
    if (name.empty()) continue;
    EVENT_TRACE_LOGFILEW logfile = {};
    logfile.LoggerName = const_cast<LPWSTR>(name.c_str());
    logfile.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
    logfile.EventRecordCallback = &EtwReader::OnEvent;
    logfile.BufferCallback = &EtwReader::OnBuffer;
    logfile.Context = r;
    TRACEHANDLE handle = OpenTraceW(&logfile);
    if (handle == INVALID_PROCESSTRACE_HANDLE) {
      DWORD status = GetLastError();
      r->Close();
      UnclaimRing(base);
      ThrowNativeError(env, "ESYS", static_cast<int>(status), "OpenTrace", "opening the real-time trace failed");
      return env.Undefined();
    }
    r->traces_[r->trace_count_++] = handle;
  }
  r->ring_ = std::make_unique<SharedRing>(base);
  r->wake_ = new EtwWake();
  r->wake_fn_ = EtwWakeFunction::New(env, info[3].As<Napi::Function>(), "kwire etw", 0, 1, r->wake_,
                                     [](Napi::Env, void*, EtwWake* wake) { delete wake; }, static_cast<void*>(nullptr));
  r->self_ref_ = Napi::Persistent(self);
  r->ring_ref_ = Napi::Persistent(ring.As<Napi::Object>());
  r->open_ = true;
  r->env_ = env;
  r->hook_registered_ = napi_add_env_cleanup_hook(env, &EtwReader::CleanupHook, r) == napi_ok;
  if (!paused) r->StartMethod(info);
  return self;
}

Napi::Value EtwReader::StartMethod(const Napi::CallbackInfo& info) {
  if (!open_) {
    ThrowNativeError(info.Env(), "ESTATE", 0, "", "start(): the reader is closed");
    return info.Env().Undefined();
  }
  if (thread_) return info.Env().Undefined();
  thread_ = CreateThread(nullptr, 0, &EtwReader::ThreadMain, this, 0, nullptr);
  if (!thread_) {
    DWORD status = GetLastError();
    ThrowNativeError(info.Env(), "ESYS", static_cast<int>(status), "CreateThread", "starting the ETW consumer thread");
  }
  return info.Env().Undefined();
}

DWORD WINAPI EtwReader::ThreadMain(LPVOID self) {
  EtwReader* r = static_cast<EtwReader*>(self);
  ULONG status = ProcessTrace(r->traces_, static_cast<ULONG>(r->trace_count_), nullptr, nullptr);
  r->process_status_.store(status);
  r->ring_->Publish();
  r->ended_.store(true);
  r->Wake();
  return 0;
}

void WINAPI EtwReader::OnEvent(PEVENT_RECORD record) {
  static_cast<EtwReader*>(record->UserContext)->Write(*record);
}

ULONG WINAPI EtwReader::OnBuffer(PEVENT_TRACE_LOGFILEW logfile) {
  EtwReader* r = static_cast<EtwReader*>(logfile->Context);
  if (r->ring_->Publish()) r->Wake();
  return r->stop_.load() ? FALSE : TRUE;  // FALSE ends ProcessTrace
}

void EtwReader::Write(const EVENT_RECORD& record) {
  uint16_t event_class = EtwEventClass(record.EventHeader.ProviderId);
  bool class_kept = event_class >= 256 || (class_filter_[event_class / 8] & (1u << (event_class % 8)));
  if (!class_kept) {  // TcpIp when only UDP was asked for (one enable flag serves both), the header events
    filtered_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint32_t len = EtwFrameSize(record);
  if (len > ring_->max_payload()) {
    oversize_.fetch_add(1, std::memory_order_relaxed);
    ring_->AddOversize();
    return;
  }
  uint8_t* out = ring_->TryReserve(source_, EtwRingFlags(record), len);
  if (!out) {
    // The ring is full: publish what is there, wake JS and wait for room. ETW keeps buffering meanwhile
    // and counts what it cannot keep (EventsLost, RealTimeBuffersLost).
    full_waits_.fetch_add(1, std::memory_order_relaxed);
    ring_->AddFullWait();
    while (!(out = ring_->TryReserve(source_, EtwRingFlags(record), len))) {
      if (ring_->Publish()) Wake();
      if (stop_.load()) return;
      Sleep(1);
    }
  }
  WriteEtwFrame(record, event_class, out);
  records_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(len, std::memory_order_relaxed);
}

void EtwReader::Wake() {
  if (wake_->pending.exchange(true)) return;  // one wake-up pending at most
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  ring_->AddWakeup();
  if (wake_fn_.NonBlockingCall() != napi_ok) wake_->pending.store(false);
}

Napi::Value EtwReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  bool ended = ended_.load();  // first: a snapshot saying ended has every count before it (CONTRIBUTING)
  EtwLoss loss = session_.QueryLoss();
  out.Set("records", Napi::Number::New(env, static_cast<double>(records_.load())));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_.load())));
  out.Set("fullWaits", Napi::Number::New(env, static_cast<double>(full_waits_.load())));
  out.Set("wakeups", Napi::Number::New(env, static_cast<double>(wakeups_.load())));
  out.Set("filtered", Napi::Number::New(env, static_cast<double>(filtered_.load())));
  out.Set("oversize", Napi::Number::New(env, static_cast<double>(oversize_.load())));
  out.Set("eventsLost", Napi::Number::New(env, loss.events_lost));
  out.Set("realTimeBuffersLost", Napi::Number::New(env, loss.real_time_buffers_lost));
  out.Set("rundown", Napi::String::New(env, rundown_));
  out.Set("ended", Napi::Boolean::New(env, ended));
  out.Set("status", Napi::Number::New(env, process_status_.load()));
  return out;
}

Napi::Value EtwReader::CloseMethod(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

void EtwReader::Close() {
  stop_.store(true);
  // Stopping the sessions flushes their last buffers and ends ProcessTrace; CloseTrace ends it too if a
  // session was already gone.
  session_.Stop();
  for (int i = 0; i < trace_count_; i++) CloseTrace(traces_[i]);
  trace_count_ = 0;
  if (thread_) {
    WaitForSingleObject(thread_, INFINITE);
    CloseHandle(thread_);
    thread_ = nullptr;
  }
  if (!open_) return;
  open_ = false;
  if (hook_registered_) napi_remove_env_cleanup_hook(env_, &EtwReader::CleanupHook, this);
  hook_registered_ = false;
  wake_->closed.store(true);
  wake_fn_.Release();
  UnclaimRing(base_);
  ring_ref_.Reset();
  self_ref_.Reset();
}

// The environment goes away with the reader open (process exit, worker end): stop the sessions, so
// that no kernel session outlives the process.
void EtwReader::CleanupHook(void* self) {
  EtwReader* r = static_cast<EtwReader*>(self);
  r->hook_registered_ = false;
  r->Close();
}

}  // namespace kwire
