// The frame builder on Linux, for test/etw-frame-native.test.ts: reads EVENT_RECORDs on stdin and writes
// the frames WriteEtwFrame builds from them on stdout, so the test can decode them with the etw decoder
// and compare with the .etl path's output. `--describe` prints the builder's constants as JSON instead
// (the test checks them against kinds/etw-frame.ts).
//
// stdin, per record: u32 n, then n bytes: the first 0x58 bytes of an x64 EVENT_RECORD (EVENT_HEADER,
//   ETW_BUFFER_CONTEXT, ExtendedDataCount, UserDataLength) and UserDataLength bytes of user data.
// stdout, per record: a ring frame without its padding: u32 payload length, u16 source (12), u16 ring
//   frame flags, the payload.
// Exit status 2 with a message on stderr for a malformed record.
#include <cstdio>
#include <cstring>
#include <vector>

#include "etw_frame.h"

namespace {

void Describe() {
  printf("{\"headerSize\":%u,\"sourceId\":%u,\"offsets\":{", kwire::kEtwHeaderSize, kwire::kEtwSourceId);
  printf("\"time\":%u,\"rawTime\":%u,\"guid\":%u,\"pid\":%u,\"tid\":%u,\"eventClass\":%u,\"eventId\":%u,",
         kwire::kEtwTime, kwire::kEtwRawTime, kwire::kEtwGuid, kwire::kEtwPid, kwire::kEtwTid,
         kwire::kEtwEventClass, kwire::kEtwEventId);
  printf("\"hookId\":%u,\"opcode\":%u,\"version\":%u,\"level\":%u,\"headerType\":%u,\"cpu\":%u,", kwire::kEtwHookId,
         kwire::kEtwOpcode, kwire::kEtwVersion, kwire::kEtwLevel, kwire::kEtwHeaderType, kwire::kEtwCpu);
  printf("\"etwFlags\":%u,\"userDataLength\":%u},\"classes\":[", kwire::kEtwFlags, kwire::kEtwUserDataLength);
  for (size_t i = 0; i < kwire::kEtwClassGuidCount; i++) {
    const GUID& g = kwire::kEtwClassGuids[i].guid;
    printf("%s{\"eventClass\":%u,\"guid\":\"%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x\"}", i ? "," : "",
           kwire::kEtwClassGuids[i].event_class, g.Data1, g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2],
           g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
  }
  printf("]}\n");
}

bool ReadAll(void* out, size_t n) { return fread(out, 1, n, stdin) == n; }

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--describe") == 0) {
    Describe();
    return 0;
  }
  std::vector<uint8_t> in, frame;
  uint32_t n;
  for (size_t index = 0; ReadAll(&n, 4); index++) {
    in.resize(n);
    if (n < kwire::kEventRecordHeadSize || !ReadAll(in.data(), n)) {
      fprintf(stderr, "record %zu: %u bytes, shorter than its 0x58-byte head or than the input\n", index, n);
      return 2;
    }
    EVENT_RECORD r;
    memset(&r, 0, sizeof r);
    memcpy(&r, in.data(), kwire::kEventRecordHeadSize);
    if (n != kwire::kEventRecordHeadSize + r.UserDataLength) {
      fprintf(stderr, "record %zu: %u bytes, but UserDataLength says %u\n", index, n,
              static_cast<unsigned>(kwire::kEventRecordHeadSize + r.UserDataLength));
      return 2;
    }
    r.UserData = in.data() + kwire::kEventRecordHeadSize;
    uint32_t len = kwire::EtwFrameSize(r);
    frame.resize(8 + len);
    uint16_t flags[2] = {kwire::kEtwSourceId, kwire::EtwRingFlags(r)};
    memcpy(frame.data(), &len, 4);
    memcpy(frame.data() + 4, flags, 4);
    kwire::WriteEtwFrame(r, kwire::EtwEventClass(r.EventHeader.ProviderId), frame.data() + 8);
    if (fwrite(frame.data(), 1, frame.size(), stdout) != frame.size()) return 1;
  }
  return 0;
}
