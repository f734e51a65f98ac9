#include "etw_session.h"

#include <cstring>

namespace kwire {
namespace {

// A GUID for kwire's private SystemTraceProvider sessions (EVENT_TRACE_SYSTEM_LOGGER_MODE needs one of
// its own; the NT Kernel Logger uses SystemTraceControlGuid).
constexpr GUID kKwireSessionGuid = {0x6b776972, 0x6574, 0x4a77, {0x9e, 0x13, 0x6b, 0x77, 0x69, 0x72, 0x65, 0x31}};
// Microsoft-Windows-Kernel-Rundown: keyword 0x10 runs down file objects (FileIo FileRundown, opcode 36);
// the fallback when the kernel session cannot be asked for a rundown itself.
constexpr GUID kKernelRundownGuid = {0x3b9c9951, 0x3480, 0x4220, {0x93, 0x77, 0x9c, 0x8e, 0x51, 0x84, 0xf5, 0xcd}};
constexpr ULONGLONG kKernelRundownFileKeyword = 0x10;
constexpr GUID kSystemTraceControlGuid = {0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};

EVENT_TRACE_PROPERTIES* Props(std::vector<unsigned char>& buffer) {
  return reinterpret_cast<EVENT_TRACE_PROPERTIES*>(buffer.data());
}

std::string Utf8(const std::wstring& text) {
  std::string out;
  for (wchar_t c : text) out += c < 0x80 ? static_cast<char>(c) : '?';  // logger names are ASCII
  return out;
}

EtwError Failure(ULONG status, const char* call, const std::string& what) {
  EtwError error;
  error.win32 = status;
  error.call = call;
  if (status == ERROR_NO_SYSTEM_RESOURCES) {
    error.code = "ELOGGER_LIMIT";
    error.message = what + ": the system's limit of trace sessions is reached (64 loggers at most, of which 8 "
                           "SystemTraceProvider sessions; ERROR_NO_SYSTEM_RESOURCES). Stop one: logman query -ets";
  } else if (status == ERROR_ACCESS_DENIED) {
    error.code = "EPERM";
    error.message = what + ": access denied (run as Administrator or in the Performance Log Users group)";
  } else {
    error.code = "ESYS";
    error.message = what + " failed with Win32 error " + std::to_string(status);
  }
  return error;
}

}  // namespace

std::vector<unsigned char> TraceProperties(const std::wstring& name) {
  size_t size = sizeof(EVENT_TRACE_PROPERTIES) + (name.size() + 1) * sizeof(wchar_t);
  std::vector<unsigned char> buffer(size, 0);
  EVENT_TRACE_PROPERTIES* p = Props(buffer);
  p->Wnode.BufferSize = static_cast<ULONG>(size);
  p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
  p->Wnode.ClientContext = 1;  // QPC, the finest clock; ProcessTrace turns it into FILETIMEs
  p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
  return buffer;
}

EtwError EtwSession::StartNamed(const std::wstring& name, ULONG mode, ULONG flags, const GUID* guid,
                                TRACEHANDLE* handle) {
  for (int attempt = 0;; attempt++) {
    std::vector<unsigned char> buffer = TraceProperties(name);
    EVENT_TRACE_PROPERTIES* p = Props(buffer);
    if (guid) p->Wnode.Guid = *guid;
    p->BufferSize = config_.buffer_size_kb;
    p->MinimumBuffers = config_.minimum_buffers;
    p->MaximumBuffers = config_.maximum_buffers;
    p->FlushTimer = config_.flush_timer_s;
    p->LogFileMode = mode;
    p->EnableFlags = flags;
    ULONG status = StartTraceW(handle, name.c_str(), p);
    if (status == ERROR_SUCCESS) return EtwError();
    // A session of this name left running by an earlier process (one that crashed, or another tool):
    // stop it and start ours, once.
    if (status == ERROR_ALREADY_EXISTS && attempt == 0) {
      StopNamed(name);
      continue;
    }
    return Failure(status, "StartTrace", "starting the trace session " + Utf8(name));
  }
}

void EtwSession::StopNamed(const std::wstring& name) {
  std::vector<unsigned char> buffer = TraceProperties(name);
  ControlTraceW(0, name.c_str(), Props(buffer), EVENT_TRACE_CONTROL_STOP);
}

EtwError EtwSession::Start(const EtwSessionConfig& config) {
  config_ = config;
  ULONG mode = EVENT_TRACE_REAL_TIME_MODE;
  const GUID* guid = &kSystemTraceControlGuid;
  if (config.private_logger) {
    mode |= EVENT_TRACE_SYSTEM_LOGGER_MODE;
    guid = &kKwireSessionGuid;
  }
  EtwError error = StartNamed(config.logger_name, mode, config.enable_flags, guid, &handle_);
  running_ = !error;
  return error;
}

std::string EtwSession::Rundown() {
  for (const std::string& way : config_.rundown) {
    if (way == "set-information") {
      // Setting the system trace flags again, with the extended group mask empty (only the classic
      // EnableFlags word set), makes the kernel logger run down the state of the enabled classes.
      ULONG mask[8] = {config_.enable_flags, 0, 0, 0, 0, 0, 0, 0};
      if (TraceSetInformation(handle_, TraceSystemTraceEnableFlagsInfo, mask, sizeof mask) == ERROR_SUCCESS)
        return way;
    } else if (way == "rundown-session") {
      if (StartRundownSession()) return way;
    }
  }
  return "";
}

bool EtwSession::StartRundownSession() {
  if (config_.rundown_logger_name.empty()) return false;
  if (StartNamed(config_.rundown_logger_name, EVENT_TRACE_REAL_TIME_MODE, 0, nullptr, &rundown_handle_)) return false;
  rundown_running_ = true;
  ULONG status = EnableTraceEx2(rundown_handle_, &kKernelRundownGuid, EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                                TRACE_LEVEL_INFORMATION, kKernelRundownFileKeyword, 0, 0, nullptr);
  if (status != ERROR_SUCCESS) {
    StopNamed(config_.rundown_logger_name);
    rundown_running_ = false;
    return false;
  }
  return true;
}

EtwLoss EtwSession::QueryLoss() {
  EtwLoss loss;
  if (!running_) return loss;
  std::vector<unsigned char> buffer = TraceProperties(config_.logger_name);
  if (ControlTraceW(handle_, nullptr, Props(buffer), EVENT_TRACE_CONTROL_QUERY) == ERROR_SUCCESS) {
    loss.events_lost = Props(buffer)->EventsLost;
    loss.real_time_buffers_lost = Props(buffer)->RealTimeBuffersLost;
  }
  return loss;
}

void EtwSession::Stop() {
  if (rundown_running_) StopNamed(config_.rundown_logger_name);
  rundown_running_ = false;
  if (running_) {
    std::vector<unsigned char> buffer = TraceProperties(config_.logger_name);
    ControlTraceW(handle_, nullptr, Props(buffer), EVENT_TRACE_CONTROL_STOP);
  }
  running_ = false;
}

}  // namespace kwire
