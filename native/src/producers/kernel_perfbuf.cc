#include "producers/kernel_perfbuf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kwire {
namespace {

// Memory ordering mirrors the kernel's perf ring protocol, described at the top of
// kernel/events/ring_buffer.c (perf_output_put_handle) and in include/uapi/linux/perf_event.h
// (struct perf_event_mmap_page, data_head / data_tail):
//
//   kernel                             user
//   if (LOAD ->data_tail) {            LOAD ->data_head
//                      (A)             smp_rmb()       (C)
//     STORE $data                      LOAD $data
//     smp_wmb()        (B)             smp_mb()        (D)
//     STORE ->data_head                STORE ->data_tail
//   }
//
// C is our acquire load of data_head (the kernel's own tools use smp_load_acquire, see
// tools/include/linux/ring_buffer.h ring_buffer_read_head); D is our release store of data_tail
// (ring_buffer_write_tail), done once per batch, after every record up to it was copied out.
inline uint64_t LoadAcquire64(const void* p) {
  return __atomic_load_n(static_cast<const uint64_t*>(p), __ATOMIC_ACQUIRE);
}
inline void StoreRelease64(void* p, uint64_t v) {
  __atomic_store_n(static_cast<uint64_t*>(p), v, __ATOMIC_RELEASE);
}

int PerfEventOpen(perf_event_attr* attr, int cpu) {
  return static_cast<int>(syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

// A PERF_SAMPLE_RAW sample: header, u32 size, raw bytes. PERF_RECORD_LOST: header, u64 id, u64 lost.
constexpr uint32_t kRawOffset = sizeof(perf_event_header) + sizeof(uint32_t);
constexpr uint32_t kLostOffset = sizeof(perf_event_header) + sizeof(uint64_t);

}  // namespace

int KernelPerfbuf::Open(int map_fd, uint32_t max_entries, const PerfOptions& options,
                        const char** syscall) {
  page_size_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  map_fd_ = map_fd;
  int err = 0;
  int possible = libbpf_num_possible_cpus();
  if (possible <= 0) {
    *syscall = "libbpf_num_possible_cpus";
    return possible < 0 ? -possible : EINVAL;
  }
  int cpus = static_cast<int>(max_entries) < possible ? static_cast<int>(max_entries) : possible;
  if ((err = epoll_.Open(syscall)) != 0) {
    Close();
    return err;
  }
  rings_.reserve(static_cast<size_t>(cpus));
  for (int cpu = 0; cpu < cpus; cpu++) {
    perf_event_attr attr = {};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_BPF_OUTPUT;
    attr.sample_type = PERF_SAMPLE_RAW;
    attr.sample_period = 1;
    if (options.watermark_bytes) {
      attr.watermark = 1;
      attr.wakeup_watermark = options.watermark_bytes;
    } else {
      attr.wakeup_events = options.wakeup_events ? options.wakeup_events : 1;
    }
    int fd = PerfEventOpen(&attr, cpu);
    if (fd < 0) {
      if (errno == ENODEV) continue;  // a possible CPU that is offline, as libbpf's perf_buffer skips
      err = errno, *syscall = "perf_event_open";
      Close();
      return err;
    }
    Ring r;
    r.cpu = cpu;
    r.fd = fd;
    r.map_len = page_size_ * (1 + static_cast<size_t>(options.page_count));
    r.base = mmap(nullptr, r.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r.base == MAP_FAILED) {
      err = errno, *syscall = "mmap";
      close(fd);
      Close();
      return err;
    }
    auto* meta = static_cast<perf_event_mmap_page*>(r.base);
    // data_offset/data_size exist since Linux 4.1; older kernels leave them 0 (data after one page).
    uint64_t offset = meta->data_offset ? meta->data_offset : page_size_;
    r.size = meta->data_size ? meta->data_size : page_size_ * options.page_count;
    r.data = static_cast<const uint8_t*>(r.base) + offset;
    r.tail = r.published = r.head = LoadAcquire64(&meta->data_tail);
    rings_.push_back(r);
    uint32_t key = static_cast<uint32_t>(cpu);
    if (bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY) < 0) {
      err = errno, *syscall = "bpf_map_update_elem";
      Close();
      return err;
    }
    if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
      err = errno, *syscall = "ioctl(PERF_EVENT_IOC_ENABLE)";
      Close();
      return err;
    }
    if ((err = epoll_.Add(fd, syscall)) != 0) {
      Close();
      return err;
    }
  }
  if (rings_.empty()) {
    *syscall = "perf_event_open";
    Close();
    return ENODEV;
  }
  scratch_.resize(1 << 16);  // perf_event_header.size is a u16
  return 0;
}

void KernelPerfbuf::Close() {
  for (Ring& r : rings_) {
    uint32_t key = static_cast<uint32_t>(r.cpu);
    // The map holds its own reference to the perf event: remove it, or the event outlives us.
    if (map_fd_ >= 0) bpf_map_delete_elem(map_fd_, &key);
    if (r.base) munmap(r.base, r.map_len);
    if (r.fd >= 0) close(r.fd);
  }
  rings_.clear();
  epoll_.Close();
  map_fd_ = -1;
}

KernelPerfbuf::Peek KernelPerfbuf::PeekRecord(size_t i, PerfRecord* rec, uint64_t* lost) {
  Ring& r = rings_[i];
  if (r.tail == r.head) {
    r.head = LoadAcquire64(&static_cast<perf_event_mmap_page*>(r.base)->data_head);  // (C)
    if (r.tail == r.head) return Peek::kEmpty;
  }
  uint64_t mask = r.size - 1;
  uint64_t off = r.tail & mask;
  // Records are 8-aligned and the data size is a multiple of the page size: a header never wraps.
  perf_event_header hdr;
  memcpy(&hdr, r.data + off, sizeof hdr);
  if (hdr.size < sizeof hdr || hdr.size > r.head - r.tail) {
    r.peeked = static_cast<uint32_t>(r.head - r.tail);  // impossible: drop what is there
    return Peek::kOther;
  }
  r.peeked = hdr.size;
  const uint8_t* body = r.data + off;
  if (off + hdr.size > r.size) {
    // The record wraps the end of the data area: copy it out in two parts.
    size_t first = static_cast<size_t>(r.size - off);
    memcpy(scratch_.data(), r.data + off, first);
    memcpy(scratch_.data() + first, r.data, hdr.size - first);
    body = scratch_.data();
  }
  if (hdr.type == PERF_RECORD_SAMPLE && hdr.size >= kRawOffset) {
    uint32_t raw;
    memcpy(&raw, body + sizeof hdr, sizeof raw);
    if (raw > hdr.size - kRawOffset) return Peek::kOther;
    rec->data = body + kRawOffset;
    rec->len = raw;
    return Peek::kSample;
  }
  if (hdr.type == PERF_RECORD_LOST && hdr.size >= kLostOffset + sizeof(uint64_t)) {
    memcpy(lost, body + kLostOffset, sizeof *lost);
    return Peek::kLost;
  }
  return Peek::kOther;
}

void KernelPerfbuf::Advance(size_t i) {
  Ring& r = rings_[i];
  r.tail += r.peeked;
  r.peeked = 0;
}

void KernelPerfbuf::Publish(size_t i) {
  Ring& r = rings_[i];
  if (r.tail == r.published) return;
  StoreRelease64(&static_cast<perf_event_mmap_page*>(r.base)->data_tail, r.tail);  // (D)
  r.published = r.tail;
}

KernelPerfbuf::Wait KernelPerfbuf::WaitForData(int timeout_ms) { return epoll_.WaitFor(timeout_ms); }

void KernelPerfbuf::Stop() { epoll_.Stop(); }

}  // namespace kwire
