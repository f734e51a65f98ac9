#include "etw_frame.h"

#include <cstring>

namespace kwire {
namespace {

template <typename T>
inline void Put(uint8_t* out, uint32_t offset, T value) {
  memcpy(out + offset, &value, sizeof value);
}

inline bool SameGuid(const GUID& a, const GUID& b) { return memcmp(&a, &b, sizeof(GUID)) == 0; }

}  // namespace

// ETW_CLASSES then ETW_PROVIDERS of kinds/etw-frame.ts, in their order.
const EtwClassGuid kEtwClassGuids[] = {
    {0x00, {0x68fdd900, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}}},  // EventTrace
    {0x01, {0x3d6fa8d4, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}}},  // DiskIo
    {0x02, {0x3d6fa8d3, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}}},  // PageFault
    {0x03, {0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}}},  // Process
    {0x04, {0x90cbdc39, 0x4a3e, 0x11d1, {0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64, 0xe3}}},  // FileIo
    {0x05, {0x3d6fa8d1, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}}},  // Thread
    {0x06, {0x9a280ac0, 0xc8e0, 0x11d1, {0x84, 0xe2, 0x00, 0xc0, 0x4f, 0xb9, 0x98, 0xa2}}},  // TcpIp
    {0x08, {0xbf3a50c5, 0xa9c9, 0x4988, {0xa0, 0x05, 0x2d, 0xf0, 0xb7, 0xc8, 0x0f, 0x80}}},  // UdpIp
    {0x09, {0xae53722e, 0xc863, 0x11d2, {0x86, 0x59, 0x00, 0xc0, 0x4f, 0xa3, 0x21, 0xa1}}},  // Registry
    {0x0b, {0x01853a65, 0x418f, 0x4f36, {0xae, 0xfc, 0xdc, 0x0f, 0x1d, 0x2f, 0xd2, 0x35}}},  // SystemConfig
    {0x0f, {0xce1dbfb4, 0x137e, 0x4da6, {0x87, 0xb0, 0x3f, 0x59, 0xaa, 0x10, 0x2c, 0xbc}}},  // PerfInfo
    {0x14, {0x2cb15d1d, 0x5fc1, 0x11d2, {0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5, 0x18}}},  // Image
    {0x18, {0xdef2fe46, 0x7bd6, 0x4b80, {0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c, 0xe3}}},  // StackWalk
    {0x1a, {0x45d8cccd, 0x539f, 0x4b72, {0xa8, 0xb7, 0x5c, 0x68, 0x31, 0x42, 0x60, 0x9a}}},  // ALPC
    {0x101, {0x22fb2cd6, 0x0e7b, 0x422b, {0xa0, 0xc7, 0x2f, 0xad, 0x1f, 0xd0, 0xe7, 0x16}}},  // Kernel-Process
    {0x102, {0x7dd42a49, 0x5329, 0x4832, {0x8d, 0xfd, 0x43, 0xd9, 0x79, 0x15, 0x3a, 0x88}}},  // Kernel-Network
};
const size_t kEtwClassGuidCount = sizeof kEtwClassGuids / sizeof kEtwClassGuids[0];

uint16_t EtwEventClass(const GUID& guid) {
  for (size_t i = 0; i < kEtwClassGuidCount; i++)
    if (SameGuid(kEtwClassGuids[i].guid, guid)) return kEtwClassGuids[i].event_class;
  return kEtwUnknownClass;
}

bool EtwIsRundown(uint16_t event_class, uint8_t opcode) {
  if (event_class == 0x03 || event_class == 0x05 || event_class == 0x14) return opcode == 3 || opcode == 4;
  return event_class == 0x04 && opcode == 36;
}

void WriteEtwFrame(const EVENT_RECORD& r, uint16_t event_class, uint8_t* out) {
  const EVENT_HEADER& h = r.EventHeader;
  const EVENT_DESCRIPTOR& d = h.EventDescriptor;
  bool classic = (h.Flags & EVENT_HEADER_FLAG_CLASSIC_HEADER) != 0;
  bool ptr32 = (h.Flags & EVENT_HEADER_FLAG_32_BIT_HEADER) != 0;
  uint16_t flags = 0;
  if (ptr32) flags |= kEtwFlagPtr32;
  if (classic) flags |= kEtwFlagClassic;
  if (EtwIsRundown(event_class, d.Opcode)) flags |= kEtwFlagRundown;
  // A PERFINFO-header kernel event has no pid or tid: ProcessTrace reports both as -1.
  if (h.ProcessId == kEtwNoId && h.ThreadId == kEtwNoId) flags |= kEtwFlagNoPid;
  if ((h.Flags & EVENT_HEADER_FLAG_EXTENDED_INFO) || r.ExtendedDataCount) flags |= kEtwFlagExtended;
  // Without PROCESS_TRACE_MODE_RAW_TIMESTAMP, ProcessTrace has already turned the clock into a FILETIME.
  uint64_t time = static_cast<uint64_t>(h.TimeStamp.QuadPart);
  Put<uint64_t>(out, kEtwTime, time);
  Put<uint64_t>(out, kEtwRawTime, time);
  memcpy(out + kEtwGuid, &h.ProviderId, 16);
  Put<uint32_t>(out, kEtwPid, h.ProcessId);
  Put<uint32_t>(out, kEtwTid, h.ThreadId);
  Put<uint16_t>(out, kEtwEventClass, event_class);
  Put<uint16_t>(out, kEtwEventId, classic ? 0 : d.Id);
  Put<uint16_t>(out, kEtwHookId, classic && event_class < 0x100 ? static_cast<uint16_t>((event_class << 8) | d.Opcode) : 0);
  out[kEtwOpcode] = d.Opcode;
  out[kEtwVersion] = d.Version;
  out[kEtwLevel] = d.Level;
  out[kEtwHeaderType] = ptr32 ? 0x12 : 0x13;  // TRACE_HEADER_TYPE_EVENT_HEADER32 / 64
  Put<uint16_t>(out, kEtwCpu, EventProcessor(r));
  Put<uint16_t>(out, kEtwFlags, flags);
  Put<uint16_t>(out, kEtwUserDataLength, r.UserDataLength);
  if (r.UserDataLength) memcpy(out + kEtwHeaderSize, r.UserData, r.UserDataLength);
}

}  // namespace kwire
