// The ETW event frame built from an EVENT_RECORD: the one function the live session's ProcessTrace
// callback calls per event, and the one the Linux native test (native/win/test/) feeds with records
// rebuilt from the .etl fixtures. The layout is packages/kwire/src/kinds/etw-frame.ts (the .etl
// producer writes the same bytes); test/etw-frame-native.test.ts checks that the constants here match it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "etw_record.h"

namespace kwire {

constexpr uint16_t kEtwSourceId = 12;          // SourceId.etw
constexpr uint32_t kEtwHeaderSize = 56;        // ETW_HEADER_SIZE
constexpr uint16_t kEtwFramePtr32 = 0x0001;    // ring frame flag: 4-byte pointers in the user data
constexpr uint16_t kEtwUnknownClass = 0xffff;  // ETW_UNKNOWN_CLASS
constexpr uint32_t kEtwNoId = 0xffffffff;      // ETW_NO_ID: the header had no pid/tid (PERFINFO)

// etwFlags bits (EtwFlag).
enum EtwFlag : uint16_t {
  kEtwFlagPtr32 = 0x0001,
  kEtwFlagClassic = 0x0002,
  kEtwFlagRundown = 0x0004,
  kEtwFlagNoPid = 0x0008,
  kEtwFlagExtended = 0x0010,
};

// Byte offsets of the frame header (EtwFrame).
enum EtwFrameOffset : uint32_t {
  kEtwTime = 0,
  kEtwRawTime = 8,
  kEtwGuid = 16,
  kEtwPid = 32,
  kEtwTid = 36,
  kEtwEventClass = 40,
  kEtwEventId = 42,
  kEtwHookId = 44,
  kEtwOpcode = 46,
  kEtwVersion = 47,
  kEtwLevel = 48,
  kEtwHeaderType = 49,
  kEtwCpu = 50,
  kEtwFlags = 52,
  kEtwUserDataLength = 54,
};

// A GUID kwire maps to a normalised eventClass (ETW_CLASSES, then ETW_PROVIDERS).
struct EtwClassGuid {
  uint16_t event_class;
  GUID guid;
};
extern const EtwClassGuid kEtwClassGuids[];
extern const size_t kEtwClassGuidCount;

// eventClass of a provider or class GUID: its group for a kernel class, 0x01xx for a manifest provider
// kwire decodes, else kEtwUnknownClass.
uint16_t EtwEventClass(const GUID& guid);

// Whether (eventClass, opcode) is a rundown event (ETW_RUNDOWN).
bool EtwIsRundown(uint16_t event_class, uint8_t opcode);

// Payload bytes of r's frame: the header and the user data.
inline uint32_t EtwFrameSize(const EVENT_RECORD& r) { return kEtwHeaderSize + r.UserDataLength; }

// The ring frame flags of r's frame (kEtwFramePtr32 or 0).
inline uint16_t EtwRingFlags(const EVENT_RECORD& r) {
  return (r.EventHeader.Flags & EVENT_HEADER_FLAG_32_BIT_HEADER) ? kEtwFramePtr32 : 0;
}

// Writes r's frame payload, EtwFrameSize(r) bytes, at `out` (any alignment). `event_class` is
// EtwEventClass(r.EventHeader.ProviderId), which the caller has already looked up to filter.
void WriteEtwFrame(const EVENT_RECORD& r, uint16_t event_class, uint8_t* out);

}  // namespace kwire
