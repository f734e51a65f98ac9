// EtwReader: the live ETW producer (Windows only). It starts the kernel session (EtwSession), runs
// OpenTrace/ProcessTrace on a thread of its own, and in the EVENT_RECORD callback writes one frame per
// event straight into the shared ring (WriteEtwFrame, the layout of kinds/etw-frame.ts), publishing and
// waking JS after each ETW buffer. When the ring is full the callback waits for room (counted in
// fullWaits): ETW then keeps the events in its own buffers, and what it cannot keep it counts in the
// session's EventsLost / RealTimeBuffersLost, which stats() reads. close() stops the sessions, which
// ends ProcessTrace; the thread is joined.
#pragma once

#include <napi.h>
#include <windows.h>
#include <evntrace.h>
#include <evntcons.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "etw_session.h"
#include "ring/shared_ring.h"

namespace kwire {

struct EtwWake {
  std::atomic<bool> pending{false};
  std::atomic<bool> closed{false};
};
void DeliverEtwWake(Napi::Env env, Napi::Function on_data, EtwWake* wake, void* unused);
using EtwWakeFunction = Napi::TypedThreadSafeFunction<EtwWake, void, DeliverEtwWake>;

class EtwReader : public Napi::ObjectWrap<EtwReader> {
 public:
  static Napi::Function Define(Napi::Env env);
  // openEtw(config, ring, source, onData): EtwReader (index.d.ts).
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit EtwReader(const Napi::CallbackInfo& info);
  ~EtwReader() override;
  // Stops the sessions, joins the thread, releases the ring. Idempotent; JS thread (or env teardown).
  void Close();

 private:
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value StartMethod(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);
  static void CleanupHook(void* self);

  static void WINAPI OnEvent(PEVENT_RECORD record);
  static ULONG WINAPI OnBuffer(PEVENT_TRACE_LOGFILEW logfile);
  static DWORD WINAPI ThreadMain(LPVOID self);
  void Write(const EVENT_RECORD& record);
  void Wake();

  EtwSession session_;
  std::unique_ptr<SharedRing> ring_;
  uint8_t* base_ = nullptr;
  uint16_t source_ = 0;
  uint8_t class_filter_[256 / 8] = {};  // eventClass < 256 to keep; others (manifest, unknown) kept
  TRACEHANDLE traces_[2] = {INVALID_PROCESSTRACE_HANDLE, INVALID_PROCESSTRACE_HANDLE};
  int trace_count_ = 0;
  HANDLE thread_ = nullptr;
  bool open_ = false;
  bool hook_registered_ = false;
  napi_env env_ = nullptr;
  std::string rundown_;
  EtwWakeFunction wake_fn_;
  EtwWake* wake_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> records_{0}, bytes_{0}, full_waits_{0}, wakeups_{0}, filtered_{0}, oversize_{0};
  std::atomic<ULONG> process_status_{0};
  std::atomic<bool> ended_{false};
  Napi::ObjectReference self_ref_, ring_ref_;
};

}  // namespace kwire
