// Kernel feature probes, for choosing a transport before loading anything.
#pragma once

#include <napi.h>

namespace kwire {

// ringbufSupported(): whether the kernel can create a BPF_MAP_TYPE_RINGBUF map (Linux >= 5.8).
Napi::Value RingbufSupported(const Napi::CallbackInfo& info);

// bootTimeNs(): CLOCK_BOOTTIME in nanoseconds, the clock of bpf_ktime_get_boot_ns() (Node has none).
Napi::Value BootTimeNs(const Napi::CallbackInfo& info);

}  // namespace kwire
