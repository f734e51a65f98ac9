// The EVENT_RECORD that ProcessTrace hands the callback. On Windows it is the SDK's (evntcons.h); on
// Linux, where the frame builder is compiled for the native test, it is a mirror of the x64 layout
// with fixed-width types (ULONG is 32 bits on Windows, 64 on Linux). The offsets below are asserted
// against whichever definition is compiled, so the mirror and the SDK cannot drift apart.
#pragma once

#include <cstddef>
#include <cstdint>

#ifdef _WIN32
#include <windows.h>
#include <evntcons.h>
#else
struct GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
};
union LARGE_INTEGER {
  int64_t QuadPart;
};
struct EVENT_DESCRIPTOR {
  uint16_t Id;
  uint8_t Version;
  uint8_t Channel;
  uint8_t Level;
  uint8_t Opcode;
  uint16_t Task;
  uint64_t Keyword;
};
struct EVENT_HEADER {
  uint16_t Size;
  uint16_t HeaderType;
  uint16_t Flags;
  uint16_t EventProperty;
  uint32_t ThreadId;
  uint32_t ProcessId;
  LARGE_INTEGER TimeStamp;
  GUID ProviderId;
  EVENT_DESCRIPTOR EventDescriptor;
  union {  // anonymous, as in the SDK (a GNU extension in C++, like the SDK's own)
    struct {
      uint32_t KernelTime;
      uint32_t UserTime;
    };
    uint64_t ProcessorTime;
  };
  GUID ActivityId;
};
struct ETW_BUFFER_CONTEXT {
  union {
    struct {
      uint8_t ProcessorNumber;
      uint8_t Alignment;
    };
    uint16_t ProcessorIndex;
  };
  uint16_t LoggerId;
};
struct EVENT_HEADER_EXTENDED_DATA_ITEM;
struct EVENT_RECORD {
  EVENT_HEADER EventHeader;
  ETW_BUFFER_CONTEXT BufferContext;
  uint16_t ExtendedDataCount;
  uint16_t UserDataLength;
  EVENT_HEADER_EXTENDED_DATA_ITEM* ExtendedData;
  void* UserData;
  void* UserContext;
};
#define EVENT_HEADER_FLAG_EXTENDED_INFO 0x0001
#define EVENT_HEADER_FLAG_32_BIT_HEADER 0x0020
#define EVENT_HEADER_FLAG_64_BIT_HEADER 0x0040
#define EVENT_HEADER_FLAG_CLASSIC_HEADER 0x0100
#define EVENT_HEADER_FLAG_PROCESSOR_INDEX 0x0200
#endif

namespace kwire {

// The x64 layout (evntcons.h), which the Linux test's serialized records follow byte for byte.
constexpr size_t kEventHeaderSize = 0x50;
constexpr size_t kEventRecordHeadSize = 0x58;  // EVENT_HEADER + BufferContext + the two counts
static_assert(sizeof(EVENT_HEADER) == kEventHeaderSize, "EVENT_HEADER is 0x50 bytes");
static_assert(offsetof(EVENT_HEADER, ThreadId) == 0x08 && offsetof(EVENT_HEADER, ProcessId) == 0x0c,
              "EVENT_HEADER ids");
static_assert(offsetof(EVENT_HEADER, TimeStamp) == 0x10 && offsetof(EVENT_HEADER, ProviderId) == 0x18,
              "EVENT_HEADER time and provider");
static_assert(offsetof(EVENT_HEADER, EventDescriptor) == 0x28 && offsetof(EVENT_HEADER, ActivityId) == 0x40,
              "EVENT_HEADER descriptor and activity");
static_assert(sizeof(EVENT_DESCRIPTOR) == 16 && offsetof(EVENT_DESCRIPTOR, Opcode) == 5, "EVENT_DESCRIPTOR");
static_assert(sizeof(ETW_BUFFER_CONTEXT) == 4, "ETW_BUFFER_CONTEXT");
static_assert(offsetof(EVENT_RECORD, BufferContext) == 0x50 && offsetof(EVENT_RECORD, ExtendedDataCount) == 0x54 &&
                  offsetof(EVENT_RECORD, UserDataLength) == 0x56,
              "EVENT_RECORD counts");
static_assert(sizeof(void*) != 8 || (offsetof(EVENT_RECORD, UserData) == 0x60 && sizeof(EVENT_RECORD) == 0x70),
              "EVENT_RECORD pointers (x64)");

// The processor the event was logged on: ProcessorIndex when the header says it is valid (more than
// 256 processors, Windows 7 onwards), else ProcessorNumber (GetEventProcessorIndex in evntcons.h).
inline uint16_t EventProcessor(const EVENT_RECORD& r) {
  return (r.EventHeader.Flags & EVENT_HEADER_FLAG_PROCESSOR_INDEX) ? r.BufferContext.ProcessorIndex
                                                                   : r.BufferContext.ProcessorNumber;
}

}  // namespace kwire
