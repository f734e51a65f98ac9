// The frame builder on Linux, for test/etw-frame-native.test.ts: reads EVENT_RECORDs on stdin and writes
// the frames WriteEtwFrame builds from them on stdout, so the test can decode them with the etw decoder
// and compare with the .etl path's output. `--describe` prints the builder's constants as JSON instead
// (the test checks them against kinds/etw-frame.ts). `--bench ROUNDS` times the callback's work instead
// (bench/etw-frame.bench.ts): per round, every record through SharedRing::TryReserve + WriteEtwFrame
// with a Publish per 1 MiB (one ETW buffer), WriteEtwFrame alone into a flat buffer, and memcpy of the
// same frame bytes (the limit); prints one JSON object of ns per round.
//
// stdin, per record: u32 n, then n bytes: the first 0x58 bytes of an x64 EVENT_RECORD (EVENT_HEADER,
//   ETW_BUFFER_CONTEXT, ExtendedDataCount, UserDataLength) and UserDataLength bytes of user data.
// stdout, per record: a ring frame without its padding: u32 payload length, u16 source (12), u16 ring
//   frame flags, the payload.
// Exit status 2 with a message on stderr for a malformed record.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "etw_frame.h"
#include "ring/shared_ring.h"
#include "ring/shared_ring_layout.h"

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

uint64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

// The records' events, each with its user data in `data` (as ProcessTrace hands them out).
int Bench(const std::vector<EVENT_RECORD>& records, int rounds) {
  size_t total = 0;
  for (const EVENT_RECORD& r : records) total += (8 + kwire::EtwFrameSize(r) + 7) & ~size_t{7};
  uint32_t capacity = 1u << 26;  // a 64 MiB shared ring: bigger than any fixture's frames
  while (capacity < 2 * total) capacity <<= 1;
  uint8_t* base = static_cast<uint8_t*>(aligned_alloc(4096, KW_RING_HEADER_SIZE + capacity));
  std::vector<uint8_t> flat(total), copy(total);
  printf("{\"records\":%zu,\"bytes\":%zu,\"rounds\":[", records.size(), total);
  for (int round = 0; round < rounds; round++) {
    memset(base, 0, KW_RING_HEADER_SIZE);
    uint32_t magic = KW_RING_MAGIC_VALUE;
    memcpy(base + KW_RING_CAPACITY, &capacity, 4);
    memcpy(base + KW_RING_MAGIC, &magic, 4);
    kwire::SharedRing ring(base);
    uint64_t t0 = NowNs();
    size_t since_publish = 0;
    for (const EVENT_RECORD& r : records) {
      uint16_t event_class = kwire::EtwEventClass(r.EventHeader.ProviderId);
      uint32_t len = kwire::EtwFrameSize(r);
      uint8_t* out = ring.TryReserve(kwire::kEtwSourceId, kwire::EtwRingFlags(r), len);
      if (!out) return 3;
      kwire::WriteEtwFrame(r, event_class, out);
      if ((since_publish += len) >= (1u << 20)) ring.Publish(), since_publish = 0;
    }
    ring.Publish();
    uint64_t t1 = NowNs();
    size_t at = 0;
    for (const EVENT_RECORD& r : records) {
      kwire::WriteEtwFrame(r, kwire::EtwEventClass(r.EventHeader.ProviderId), flat.data() + at + 8);
      at += (8 + kwire::EtwFrameSize(r) + 7) & ~size_t{7};
    }
    uint64_t t2 = NowNs();
    memcpy(copy.data(), flat.data(), total);
    uint64_t t3 = NowNs();
    printf("%s{\"ring\":%llu,\"build\":%llu,\"memcpy\":%llu}", round ? "," : "", static_cast<unsigned long long>(t1 - t0),
           static_cast<unsigned long long>(t2 - t1), static_cast<unsigned long long>(t3 - t2));
  }
  printf("]}\n");
  free(base);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--describe") == 0) {
    Describe();
    return 0;
  }
  int bench_rounds = argc == 3 && strcmp(argv[1], "--bench") == 0 ? atoi(argv[2]) : 0;
  std::vector<std::vector<uint8_t>> kept;  // --bench: every record's bytes, alive until the end
  std::vector<EVENT_RECORD> records;
  std::vector<uint8_t> in, frame;
  uint32_t n;
  for (size_t index = 0; ReadAll(&n, 4); index++) {
    // UserDataLength is a u16: no record is longer than its head and 65535 bytes (checked before allocating).
    if (n < kwire::kEventRecordHeadSize || n > kwire::kEventRecordHeadSize + 0xffff) {
      fprintf(stderr, "record %zu: %u bytes, outside 0x58..0x58+65535\n", index, n);
      return 2;
    }
    in.resize(n);
    if (!ReadAll(in.data(), n)) {
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
    if (bench_rounds > 0) {
      kept.push_back(in);
      r.UserData = kept.back().data() + kwire::kEventRecordHeadSize;
      records.push_back(r);
      continue;
    }
    uint32_t len = kwire::EtwFrameSize(r);
    frame.resize(8 + len);
    uint16_t flags[2] = {kwire::kEtwSourceId, kwire::EtwRingFlags(r)};
    memcpy(frame.data(), &len, 4);
    memcpy(frame.data() + 4, flags, 4);
    kwire::WriteEtwFrame(r, kwire::EtwEventClass(r.EventHeader.ProviderId), frame.data() + 8);
    if (fwrite(frame.data(), 1, frame.size(), stdout) != frame.size()) return 1;
  }
  return bench_rounds > 0 ? Bench(records, bench_rounds) : 0;
}
