// Entry point of the Windows addon: live ETW sessions (openEtw, EtwReader). The BPF and fd producers
// are Linux-only and not built here. See native/index.d.ts for the JS API.
#include <napi.h>

#include "etw_addon.h"
#include "etw_reader.h"

namespace kwire {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new EtwAddonData();
  env.SetInstanceData(data);  // deleted by node-addon-api when the env goes away
  Napi::Function etw_reader = EtwReader::Define(env);
  data->etw_reader = Napi::Persistent(etw_reader);
  exports.Set("EtwReader", etw_reader);
  exports.Set("openEtw", Napi::Function::New(env, EtwReader::Open, "openEtw"));
  exports.Set("platform", Napi::String::New(env, "win32"));
  return exports;
}

}  // namespace kwire

static Napi::Object InitKwire(Napi::Env env, Napi::Object exports) { return kwire::Init(env, exports); }

NODE_API_MODULE(kwire, InitKwire)
