#include "bpf/probe.h"

#include <bpf/libbpf.h>
#include <time.h>

namespace kwire {

Napi::Value RingbufSupported(const Napi::CallbackInfo& info) {
  // 1: supported, 0: not, < 0: the probe itself failed (e.g. no privilege): say no, the perf path
  // needs the same privileges and reports them properly when it fails.
  return Napi::Boolean::New(info.Env(), libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1);
}

Napi::Value BootTimeNs(const Napi::CallbackInfo& info) {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);  // cannot fail for a valid clock id
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
  return Napi::BigInt::New(info.Env(), ns);
}

}  // namespace kwire
