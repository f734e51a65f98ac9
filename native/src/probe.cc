#include "probe.h"

#include <bpf/libbpf.h>

namespace kwire {

Napi::Value RingbufSupported(const Napi::CallbackInfo& info) {
  // 1: supported, 0: not, < 0: the probe itself failed (e.g. no privilege): say no, the perf path
  // needs the same privileges and reports them properly when it fails.
  return Napi::Boolean::New(info.Env(), libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1);
}

}  // namespace kwire
