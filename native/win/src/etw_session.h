// The controller of a live kernel trace session (Windows only): starts the NT Kernel Logger or a
// private SystemTraceProvider session with the enable flags the TypeScript side computed
// (packages/kwire/src/kinds/etw-session.ts: flags per class, buffer sizes, rundown order), stops and
// restarts a session of that name left running, runs the state down, reads the loss counters, and
// stops everything on Stop(). fibratus's kstream KtraceController does the same for its consumer.
// It calls only the trace-control API (etw_trace_api.h), so that its native test runs on Linux.
#pragma once

#include "etw_trace_api.h"

#include <string>
#include <vector>

namespace kwire {

struct EtwSessionConfig {
  std::wstring logger_name;         // KERNEL_LOGGER_NAME or a private session's name
  bool private_logger = false;      // EVENT_TRACE_SYSTEM_LOGGER_MODE with a GUID of our own (Windows 8+)
  ULONG enable_flags = 0;           // EVENT_TRACE_FLAG_*
  ULONG buffer_size_kb = 0;
  ULONG minimum_buffers = 0;
  ULONG maximum_buffers = 0;
  ULONG flush_timer_s = 1;
  std::vector<std::string> rundown;  // in order: "set-information", "rundown-session"; empty: none
  std::wstring rundown_logger_name;
};

// A failing Win32 call: `code` is the addon's stable error code ('ELOGGER_LIMIT', 'EPERM', 'ESYS').
struct EtwError {
  const char* code = nullptr;  // nullptr: success
  ULONG win32 = 0;
  const char* call = "";
  std::string message;
  explicit operator bool() const { return code != nullptr; }
};

struct EtwLoss {
  ULONG events_lost = 0;           // EVENT_TRACE_PROPERTIES.EventsLost: no free buffer for an event
  ULONG real_time_buffers_lost = 0;  // RealTimeBuffersLost: buffers the real-time consumer never got
};

class EtwSession {
 public:
  EtwSession() = default;
  EtwSession(const EtwSession&) = delete;
  EtwSession& operator=(const EtwSession&) = delete;
  ~EtwSession() { Stop(); }

  // Starts the kernel session; a session of the same name already running is stopped and started again.
  EtwError Start(const EtwSessionConfig& config);
  // Runs down the state of the enabled classes, trying config.rundown in order. Returns which way
  // worked ("set-information", "rundown-session") or "" when none did (or none was asked for).
  std::string Rundown();
  // The loss counters so far (ControlTrace QUERY); zeros once stopped.
  EtwLoss QueryLoss();
  // Stops the sessions we started. Idempotent.
  void Stop();

  const std::wstring& logger_name() const { return config_.logger_name; }
  // The rundown session to consume beside the kernel session ("" when none runs).
  const std::wstring& rundown_session() const { return rundown_running_ ? config_.rundown_logger_name : empty_; }

 private:
  EtwError StartNamed(const std::wstring& name, ULONG mode, ULONG flags, const GUID* guid, TRACEHANDLE* handle);
  bool StartRundownSession();
  void StopNamed(const std::wstring& name);

  EtwSessionConfig config_;
  TRACEHANDLE handle_ = 0;
  TRACEHANDLE rundown_handle_ = 0;
  bool running_ = false;
  bool rundown_running_ = false;
  std::wstring empty_;
};

// The EVENT_TRACE_PROPERTIES buffer for `name` (the struct, then room for the logger name).
std::vector<unsigned char> TraceProperties(const std::wstring& name);

}  // namespace kwire
