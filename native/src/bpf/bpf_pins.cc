// BpfObject's bpffs side: map sizes before load, and pinning maps, programs and links after load/attach.
// Pinned objects outlive the BpfObject (and the process) until their pin files are removed.
#include <bpf/libbpf.h>

#include <cerrno>

#include "bpf/bpf_object.h"
#include "errors.h"

namespace kwire {
namespace {

bool TwoStrings(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() >= 2 && info[0].IsString() && info[1].IsString()) return true;
  ThrowNativeError(info.Env(), "EARG", 0, "", usage);
  return false;
}

}  // namespace

Napi::Value BpfObject::SetMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    ThrowNativeError(env, "EARG", 0, "", "setMaxEntries(mapName: string, entries: number)");
    return Napi::Value();
  }
  if (!CheckOpen(env, "setMaxEntries")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  double n = info[1].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 0xffffffff && n == static_cast<uint32_t>(n))) {
    ThrowNativeError(env, "EARG", 0, "", "setMaxEntries: entries must be an integer in 1..2^32-1");
    return Napi::Value();
  }
  if (load_attempted_) {
    ThrowNativeError(env, "ESTATE", 0, "", "setMaxEntries('" + name + "'): object is already loaded");
    return Napi::Value();
  }
  bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "setMaxEntries: no map '" + name + "' in " + path_);
    return Napi::Value();
  }
  int ret = bpf_map__set_max_entries(map, static_cast<uint32_t>(n));
  if (ret != 0) {
    ThrowNativeError(env, "ESYS", -ret, "bpf_map__set_max_entries", WithStrerror("setMaxEntries " + name, -ret));
    return Napi::Value();
  }
  return env.Undefined();
}

Napi::Value BpfObject::PinMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!TwoStrings(info, "pinMap(mapName: string, path: string)") || !CheckOpen(env, "pinMap")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value(), path = info[1].As<Napi::String>().Utf8Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "pinMap('" + name + "'): object is not loaded");
    return Napi::Value();
  }
  bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "pinMap: no map '" + name + "' in " + path_);
    return Napi::Value();
  }
  int ret = bpf_map__pin(map, path.c_str());
  if (ret != 0) {
    ThrowNativeError(env, "ESYS", -ret, "bpf_obj_pin", WithStrerror("pin map " + name + " at " + path, -ret));
    return Napi::Value();
  }
  return env.Undefined();
}

Napi::Value BpfObject::PinProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!TwoStrings(info, "pinProgram(programName: string, path: string)") || !CheckOpen(env, "pinProgram"))
    return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value(), path = info[1].As<Napi::String>().Utf8Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "pinProgram('" + name + "'): object is not loaded");
    return Napi::Value();
  }
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "pinProgram: no program '" + name + "' in " + path_);
    return Napi::Value();
  }
  int ret = bpf_program__pin(prog, path.c_str());
  if (ret != 0) {
    ThrowNativeError(env, "ESYS", -ret, "bpf_obj_pin", WithStrerror("pin program " + name + " at " + path, -ret));
    return Napi::Value();
  }
  return env.Undefined();
}

Napi::Value BpfObject::PinLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!TwoStrings(info, "pinLink(programName: string, path: string)") || !CheckOpen(env, "pinLink"))
    return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value(), path = info[1].As<Napi::String>().Utf8Value();
  for (size_t i = 0; i < links_.size() && i < link_programs_.size(); i++) {
    if (name != bpf_program__name(link_programs_[i])) continue;
    int ret = bpf_link__pin(links_[i], path.c_str());
    if (ret != 0) {
      ThrowNativeError(env, "ESYS", -ret, "bpf_obj_pin", WithStrerror("pin link of " + name + " at " + path, -ret));
      return Napi::Value();
    }
    return env.Undefined();
  }
  ThrowNativeError(env, "ENOENT", 0, "", "pinLink: program '" + name + "' is not attached");
  return Napi::Value();
}

// Before load: whether program `name` is loaded (and so attached) at all (bpf_program__set_autoload).
Napi::Value BpfObject::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsBoolean()) {
    ThrowNativeError(env, "EARG", 0, "", "setAutoload(programName: string, load: boolean)");
    return Napi::Value();
  }
  if (!CheckOpen(env, "setAutoload")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (load_attempted_) {
    ThrowNativeError(env, "ESTATE", 0, "", "setAutoload('" + name + "'): object is already loaded");
    return Napi::Value();
  }
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "setAutoload: no program '" + name + "' in " + path_);
    return Napi::Value();
  }
  int ret = bpf_program__set_autoload(prog, info[1].As<Napi::Boolean>().Value());
  if (ret != 0) {
    ThrowNativeError(env, "ESYS", -ret, "bpf_program__set_autoload", WithStrerror("setAutoload " + name, -ret));
    return Napi::Value();
  }
  return env.Undefined();
}

}  // namespace kwire
