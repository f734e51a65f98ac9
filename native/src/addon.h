// Per-environment data (main thread and each worker get their own): the classes' constructors.
#pragma once

#include <napi.h>

namespace kwire {

struct AddonData {
  Napi::FunctionReference bpf_object;
  Napi::FunctionReference ring_reader;
  Napi::FunctionReference bpf_map;
  Napi::FunctionReference perf_reader;
  Napi::FunctionReference fd_reader;
};

inline AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

}  // namespace kwire
