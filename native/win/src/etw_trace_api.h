// The trace-control API EtwSession calls. On Windows it is the SDK's (evntrace.h, advapi32). On Linux,
// where the session controller is compiled for its native test (test/etw_session_test.cc), it is a
// mirror of the few types, constants and functions used, which the test implements as a fake Windows
// that records the calls and answers as told: the controller's logic runs here without the OS.
#pragma once

#ifdef _WIN32
#include <windows.h>
#include <evntrace.h>
#else
#include <cstdint>
#include <cwchar>

#include "etw_record.h"  // GUID

using ULONG = uint32_t;
using LONG = int32_t;
using ULONG64 = uint64_t;
using ULONGLONG = uint64_t;
using UCHAR = uint8_t;
using TRACEHANDLE = uint64_t;
using LPCWSTR = const wchar_t*;
using PVOID = void*;
using LPCGUID = const GUID*;
struct WNODE_HEADER {
  ULONG BufferSize;
  ULONG ProviderId;
  ULONG64 HistoricalContext;
  int64_t TimeStamp;
  GUID Guid;
  ULONG ClientContext;
  ULONG Flags;
};
struct EVENT_TRACE_PROPERTIES {
  WNODE_HEADER Wnode;
  ULONG BufferSize, MinimumBuffers, MaximumBuffers, MaximumFileSize, LogFileMode, FlushTimer, EnableFlags;
  LONG AgeLimit;
  ULONG NumberOfBuffers, FreeBuffers, EventsLost, BuffersWritten, LogBuffersLost, RealTimeBuffersLost;
  void* LoggerThreadId;
  ULONG LogFileNameOffset, LoggerNameOffset;
};
struct ENABLE_TRACE_PARAMETERS;
enum TRACE_INFO_CLASS { TraceSystemTraceEnableFlagsInfo = 4 };

constexpr ULONG ERROR_SUCCESS = 0;
constexpr ULONG ERROR_ACCESS_DENIED = 5;
constexpr ULONG ERROR_NOT_SUPPORTED = 50;
constexpr ULONG ERROR_ALREADY_EXISTS = 183;
constexpr ULONG ERROR_NO_SYSTEM_RESOURCES = 1450;
constexpr ULONG WNODE_FLAG_TRACED_GUID = 0x00020000;
constexpr ULONG EVENT_TRACE_REAL_TIME_MODE = 0x00000100;
constexpr ULONG EVENT_TRACE_SYSTEM_LOGGER_MODE = 0x02000000;
constexpr ULONG EVENT_TRACE_CONTROL_QUERY = 0;
constexpr ULONG EVENT_TRACE_CONTROL_STOP = 1;
constexpr ULONG EVENT_CONTROL_CODE_ENABLE_PROVIDER = 1;
constexpr UCHAR TRACE_LEVEL_INFORMATION = 4;

ULONG StartTraceW(TRACEHANDLE* handle, LPCWSTR name, EVENT_TRACE_PROPERTIES* properties);
ULONG ControlTraceW(TRACEHANDLE handle, LPCWSTR name, EVENT_TRACE_PROPERTIES* properties, ULONG code);
ULONG TraceSetInformation(TRACEHANDLE handle, TRACE_INFO_CLASS info, PVOID data, ULONG length);
ULONG EnableTraceEx2(TRACEHANDLE handle, LPCGUID provider, ULONG code, UCHAR level, ULONGLONG any, ULONGLONG all,
                     ULONG timeout, ENABLE_TRACE_PARAMETERS* parameters);
#endif
