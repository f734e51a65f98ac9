// The session controller (src/etw_session.cc) against a fake Windows: each case scripts what
// StartTrace, ControlTrace, TraceSetInformation and EnableTraceEx2 answer, runs the controller and
// checks the calls it made. Prints "ok NAME" or "FAIL NAME: why" per case; exits 1 on any failure.
// Run by test/etw-session-native.test.ts (built by `make win` as build/etw-session-test).
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "etw_session.h"

namespace {

struct Call {
  std::string fn;
  std::wstring name;  // the logger name passed, if any
  TRACEHANDLE handle = 0;
  ULONG code = 0;     // ControlTrace code, EnableTraceEx2 level, TraceSetInformation class
  EVENT_TRACE_PROPERTIES props{};
  GUID guid{};
  ULONGLONG keyword = 0;
  std::vector<ULONG> mask;
};

std::vector<Call> calls;
std::deque<ULONG> start_answers, set_information_answers, enable_answers;
ULONG query_events_lost = 0, query_buffers_lost = 0;
TRACEHANDLE next_handle = 100;

ULONG Next(std::deque<ULONG>& answers) {
  if (answers.empty()) return ERROR_SUCCESS;
  ULONG a = answers.front();
  answers.pop_front();
  return a;
}

void Reset() {
  calls.clear();
  start_answers.clear();
  set_information_answers.clear();
  enable_answers.clear();
  query_events_lost = query_buffers_lost = 0;
}

}  // namespace

ULONG StartTraceW(TRACEHANDLE* handle, LPCWSTR name, EVENT_TRACE_PROPERTIES* p) {
  Call c;
  c.fn = "StartTrace";
  c.name = name;
  c.props = *p;
  calls.push_back(c);
  ULONG a = Next(start_answers);
  if (a == ERROR_SUCCESS) *handle = next_handle++;
  return a;
}

ULONG ControlTraceW(TRACEHANDLE handle, LPCWSTR name, EVENT_TRACE_PROPERTIES* p, ULONG code) {
  Call c;
  c.fn = "ControlTrace";
  c.name = name ? name : L"";
  c.handle = handle;
  c.code = code;
  c.props = *p;
  calls.push_back(c);
  if (code == EVENT_TRACE_CONTROL_QUERY) {
    p->EventsLost = query_events_lost;
    p->RealTimeBuffersLost = query_buffers_lost;
  }
  return ERROR_SUCCESS;
}

ULONG TraceSetInformation(TRACEHANDLE handle, TRACE_INFO_CLASS info, PVOID data, ULONG length) {
  Call c;
  c.fn = "TraceSetInformation";
  c.handle = handle;
  c.code = static_cast<ULONG>(info);
  const ULONG* words = static_cast<const ULONG*>(data);
  c.mask.assign(words, words + length / sizeof(ULONG));
  calls.push_back(c);
  return Next(set_information_answers);
}

ULONG EnableTraceEx2(TRACEHANDLE handle, LPCGUID provider, ULONG code, UCHAR level, ULONGLONG any, ULONGLONG, ULONG,
                     ENABLE_TRACE_PARAMETERS*) {
  Call c;
  c.fn = "EnableTraceEx2";
  c.handle = handle;
  c.code = level;
  c.guid = *provider;
  c.keyword = any;
  calls.push_back(c);
  return Next(enable_answers);
}

namespace {

int failures = 0;
std::string failure;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond) && failure.empty()) failure = std::string(#cond) + " (line " + std::to_string(__LINE__) + ")"; \
  } while (0)

void Case(const char* name, const std::function<void()>& body) {
  Reset();
  failure.clear();
  body();
  if (failure.empty()) {
    printf("ok %s\n", name);
  } else {
    printf("FAIL %s: %s\n", name, failure.c_str());
    failures++;
  }
}

kwire::EtwSessionConfig PrivateConfig() {
  kwire::EtwSessionConfig c;
  c.logger_name = L"kwire kernel session";
  c.private_logger = true;
  c.enable_flags = 0x7;
  c.buffer_size_kb = 1024;
  c.minimum_buffers = 16;
  c.maximum_buffers = 144;
  c.flush_timer_s = 1;
  c.rundown = {"set-information", "rundown-session"};
  c.rundown_logger_name = L"kwire kernel session rundown";
  return c;
}

bool SameGuid(const GUID& a, uint32_t data1) { return a.Data1 == data1; }

}  // namespace

int main() {
  Case("starts a private SystemTraceProvider session with the configured flags and buffers", [] {
    kwire::EtwSession s;
    kwire::EtwError e = s.Start(PrivateConfig());
    CHECK(!e);
    CHECK(calls.size() == 1 && calls[0].fn == "StartTrace");
    const EVENT_TRACE_PROPERTIES& p = calls[0].props;
    CHECK(calls[0].name == L"kwire kernel session");
    CHECK(p.LogFileMode == (EVENT_TRACE_REAL_TIME_MODE | EVENT_TRACE_SYSTEM_LOGGER_MODE));
    CHECK(p.EnableFlags == 0x7 && p.BufferSize == 1024 && p.MinimumBuffers == 16 && p.MaximumBuffers == 144 && p.FlushTimer == 1);
    CHECK(p.Wnode.Flags == WNODE_FLAG_TRACED_GUID && p.Wnode.ClientContext == 1);
    CHECK(!SameGuid(p.Wnode.Guid, 0x9e814aad));  // a GUID of its own, not SystemTraceControlGuid
    CHECK(p.LoggerNameOffset == sizeof(EVENT_TRACE_PROPERTIES));
    CHECK(p.Wnode.BufferSize >= sizeof(EVENT_TRACE_PROPERTIES) + (wcslen(L"kwire kernel session") + 1) * sizeof(wchar_t));
  });

  Case("the NT Kernel Logger: SystemTraceControlGuid, no system-logger mode", [] {
    kwire::EtwSessionConfig c = PrivateConfig();
    c.private_logger = false;
    c.logger_name = L"NT Kernel Logger";
    kwire::EtwSession s;
    CHECK(!s.Start(c));
    CHECK(calls.size() == 1 && calls[0].name == L"NT Kernel Logger");
    CHECK(calls[0].props.LogFileMode == EVENT_TRACE_REAL_TIME_MODE);
    CHECK(SameGuid(calls[0].props.Wnode.Guid, 0x9e814aad));
  });

  Case("a session of the same name left running is stopped and started again", [] {
    start_answers = {ERROR_ALREADY_EXISTS, ERROR_SUCCESS};
    kwire::EtwSession s;
    CHECK(!s.Start(PrivateConfig()));
    CHECK(calls.size() == 3);
    CHECK(calls[0].fn == "StartTrace");
    CHECK(calls[1].fn == "ControlTrace" && calls[1].code == EVENT_TRACE_CONTROL_STOP && calls[1].name == L"kwire kernel session");
    CHECK(calls[2].fn == "StartTrace" && calls[2].name == L"kwire kernel session");
  });

  Case("it stops an old session once, not forever", [] {
    start_answers = {ERROR_ALREADY_EXISTS, ERROR_ALREADY_EXISTS};
    kwire::EtwSession s;
    kwire::EtwError e = s.Start(PrivateConfig());
    CHECK(e && std::string(e.code) == "ESYS" && e.win32 == ERROR_ALREADY_EXISTS && std::string(e.call) == "StartTrace");
    CHECK(calls.size() == 3);
  });

  Case("ERROR_NO_SYSTEM_RESOURCES is ELOGGER_LIMIT, naming the limit", [] {
    start_answers = {ERROR_NO_SYSTEM_RESOURCES};
    kwire::EtwSession s;
    kwire::EtwError e = s.Start(PrivateConfig());
    CHECK(e && std::string(e.code) == "ELOGGER_LIMIT" && e.win32 == ERROR_NO_SYSTEM_RESOURCES);
    CHECK(e.message.find("64 loggers") != std::string::npos && e.message.find("8 SystemTraceProvider") != std::string::npos);
    CHECK(e.message.find("kwire kernel session") != std::string::npos);
    s.Stop();
    CHECK(calls.size() == 1);  // nothing started: nothing to stop
  });

  Case("ERROR_ACCESS_DENIED is EPERM", [] {
    start_answers = {ERROR_ACCESS_DENIED};
    kwire::EtwSession s;
    kwire::EtwError e = s.Start(PrivateConfig());
    CHECK(e && std::string(e.code) == "EPERM" && e.message.find("Administrator") != std::string::npos);
  });

  Case("rundown: TraceSetInformation with the enable flags and an empty extended group mask", [] {
    kwire::EtwSession s;
    CHECK(!s.Start(PrivateConfig()));
    CHECK(s.Rundown() == "set-information");
    CHECK(calls.size() == 2 && calls[1].fn == "TraceSetInformation" && calls[1].handle == next_handle - 1);
    CHECK(calls[1].code == TraceSystemTraceEnableFlagsInfo);
    CHECK((calls[1].mask == std::vector<ULONG>{0x7, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(s.rundown_session().empty());
  });

  Case("rundown falls back to a rundown session of Microsoft-Windows-Kernel-Rundown", [] {
    set_information_answers = {ERROR_NOT_SUPPORTED};
    kwire::EtwSession s;
    CHECK(!s.Start(PrivateConfig()));
    CHECK(s.Rundown() == "rundown-session");
    CHECK(calls.size() == 4);
    CHECK(calls[2].fn == "StartTrace" && calls[2].name == L"kwire kernel session rundown");
    CHECK(calls[2].props.LogFileMode == EVENT_TRACE_REAL_TIME_MODE && calls[2].props.EnableFlags == 0);
    CHECK(calls[3].fn == "EnableTraceEx2" && SameGuid(calls[3].guid, 0x3b9c9951) && calls[3].keyword == 0x10);
    CHECK(calls[3].code == TRACE_LEVEL_INFORMATION);
    CHECK(s.rundown_session() == L"kwire kernel session rundown");
  });

  Case("no rundown when both ways fail; the rundown session is stopped again", [] {
    set_information_answers = {ERROR_NOT_SUPPORTED};
    enable_answers = {ERROR_ACCESS_DENIED};
    kwire::EtwSession s;
    CHECK(!s.Start(PrivateConfig()));
    CHECK(s.Rundown().empty());
    CHECK(calls.back().fn == "ControlTrace" && calls.back().code == EVENT_TRACE_CONTROL_STOP &&
          calls.back().name == L"kwire kernel session rundown");
    CHECK(s.rundown_session().empty());
  });

  Case("the order is the configuration's; an empty order runs nothing down", [] {
    kwire::EtwSessionConfig c = PrivateConfig();
    c.rundown = {"rundown-session"};
    kwire::EtwSession s;
    CHECK(!s.Start(c));
    CHECK(s.Rundown() == "rundown-session");
    CHECK(calls[1].fn == "StartTrace");
    kwire::EtwSession t;
    c.rundown = {};
    size_t before = calls.size();
    CHECK(!t.Start(c));
    CHECK(t.Rundown().empty() && calls.size() == before + 1);
  });

  Case("loss counters: ControlTrace QUERY's EventsLost and RealTimeBuffersLost", [] {
    kwire::EtwSession s;
    CHECK(!s.Start(PrivateConfig()));
    query_events_lost = 12;
    query_buffers_lost = 3;
    kwire::EtwLoss loss = s.QueryLoss();
    CHECK(loss.events_lost == 12 && loss.real_time_buffers_lost == 3);
    CHECK(calls.back().fn == "ControlTrace" && calls.back().code == EVENT_TRACE_CONTROL_QUERY && calls.back().handle == next_handle - 1);
    s.Stop();
    loss = s.QueryLoss();
    CHECK(loss.events_lost == 0 && loss.real_time_buffers_lost == 0);
  });

  Case("Stop stops both sessions once", [] {
    set_information_answers = {ERROR_NOT_SUPPORTED};
    kwire::EtwSession s;
    CHECK(!s.Start(PrivateConfig()));
    CHECK(s.Rundown() == "rundown-session");
    size_t before = calls.size();
    s.Stop();
    CHECK(calls.size() == before + 2);
    CHECK(calls[before].fn == "ControlTrace" && calls[before].code == EVENT_TRACE_CONTROL_STOP && calls[before].name == L"kwire kernel session rundown");
    CHECK(calls[before + 1].fn == "ControlTrace" && calls[before + 1].code == EVENT_TRACE_CONTROL_STOP && calls[before + 1].handle == next_handle - 2);
    s.Stop();
    CHECK(calls.size() == before + 2);
  });

  Case("the destructor stops a running session", [] {
    {
      kwire::EtwSession s;
      CHECK(!s.Start(PrivateConfig()));
    }
    CHECK(calls.size() == 2 && calls[1].fn == "ControlTrace" && calls[1].code == EVENT_TRACE_CONTROL_STOP);
  });

  return failures ? 1 : 0;
}
