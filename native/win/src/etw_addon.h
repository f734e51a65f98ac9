// Per-environment data of the Windows addon: the EtwReader constructor and the token that only
// openEtw() passes to it (JS cannot construct a reader itself).
#pragma once

#include <napi.h>

namespace kwire {

struct EtwAddonData {
  Napi::FunctionReference etw_reader;
  int token = 0;
};

inline EtwAddonData* GetEtwAddonData(Napi::Env env) { return env.GetInstanceData<EtwAddonData>(); }

}  // namespace kwire
