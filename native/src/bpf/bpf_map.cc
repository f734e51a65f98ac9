#include "bpf/bpf_map.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "errors.h"

namespace kwire {

Napi::Function BpfMap::Define(Napi::Env env) {
  return DefineClass(env, "BpfMap",
                     {InstanceMethod<&BpfMap::Info>("info"),
                      InstanceMethod<&BpfMap::Lookup>("lookup"),
                      InstanceMethod<&BpfMap::Update>("update"),
                      InstanceMethod<&BpfMap::Delete>("delete"),
                      InstanceMethod<&BpfMap::NextKey>("nextKey"),
                      InstanceMethod<&BpfMap::CloseMethod>("close")});
}

BpfMap::BpfMap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfMap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "BpfMap: path must be a string");
    return;
  }
  path_ = info[0].As<Napi::String>().Utf8Value();
  fd_ = bpf_obj_get(path_.c_str());
  if (fd_ < 0) {
    int err = errno;
    fd_ = -1;
    ThrowNativeError(env, "ESYS", err, "bpf_obj_get", WithStrerror("open pinned map " + path_, err));
    return;
  }
  bpf_map_info map_info;
  uint32_t len = sizeof(map_info);
  memset(&map_info, 0, sizeof(map_info));
  if (bpf_obj_get_info_by_fd(fd_, &map_info, &len) != 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    // A pinned program or link is not a map: the kernel says EINVAL for a wrong info size.
    ThrowNativeError(env, "EMAP", err, "bpf_obj_get_info_by_fd", WithStrerror(path_ + " is not a BPF map", err));
    return;
  }
  type_ = map_info.type, key_size_ = map_info.key_size, value_size_ = map_info.value_size;
  max_entries_ = map_info.max_entries, id_ = map_info.id, name_ = map_info.name;
}

BpfMap::~BpfMap() {
  if (fd_ >= 0) close(fd_);
}

bool BpfMap::CheckOpen(Napi::Env env, const char* method) {
  if (fd_ >= 0) return true;
  ThrowNativeError(env, "ESTATE", 0, "", std::string(method) + ": map is closed");
  return false;
}

bool BpfMap::CheckBytes(Napi::Env env, const char* method, Napi::Value value, uint32_t size,
                        const char* what) {
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array &&
      value.As<Napi::Uint8Array>().ByteLength() == size)
    return true;
  ThrowNativeError(env, "EARG", 0, "",
                   std::string(method) + ": " + what + " must be a Uint8Array of " + std::to_string(size) +
                       " bytes (map " + name_ + ")");
  return false;
}

Napi::Value BpfMap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "info")) return Napi::Value();
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", name_);
  out.Set("id", id_);
  out.Set("type", type_);
  out.Set("keySize", key_size_);
  out.Set("valueSize", value_size_);
  out.Set("maxEntries", max_entries_);
  return out;
}

Napi::Value BpfMap::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "lookup") || !CheckBytes(env, "lookup", info[0], key_size_, "key")) return Napi::Value();
  std::vector<uint8_t> value(value_size_);
  if (bpf_map_lookup_elem(fd_, info[0].As<Napi::Uint8Array>().Data(), value.data()) != 0) {
    int err = errno;
    if (err == ENOENT) return env.Null();
    ThrowNativeError(env, "ESYS", err, "bpf_map_lookup_elem", WithStrerror("lookup in " + name_, err));
    return Napi::Value();
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, value_size_);
  memcpy(out.Data(), value.data(), value_size_);
  return out;
}

Napi::Value BpfMap::Update(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "update") || !CheckBytes(env, "update", info[0], key_size_, "key") ||
      !CheckBytes(env, "update", info[1], value_size_, "value"))
    return Napi::Value();
  uint64_t flags = 0;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    double f = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1;
    if (!(f >= 0 && f <= 0xffffffff && f == static_cast<uint32_t>(f))) {
      ThrowNativeError(env, "EARG", 0, "", "update: flags must be a u32 (BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2)");
      return Napi::Value();
    }
    flags = static_cast<uint64_t>(f);
  }
  if (bpf_map_update_elem(fd_, info[0].As<Napi::Uint8Array>().Data(), info[1].As<Napi::Uint8Array>().Data(),
                          flags) != 0) {
    int err = errno;
    ThrowNativeError(env, "ESYS", err, "bpf_map_update_elem", WithStrerror("update " + name_, err));
    return Napi::Value();
  }
  return env.Undefined();
}

Napi::Value BpfMap::Delete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "delete") || !CheckBytes(env, "delete", info[0], key_size_, "key")) return Napi::Value();
  if (bpf_map_delete_elem(fd_, info[0].As<Napi::Uint8Array>().Data()) != 0) {
    int err = errno;
    if (err == ENOENT) return Napi::Boolean::New(env, false);
    ThrowNativeError(env, "ESYS", err, "bpf_map_delete_elem", WithStrerror("delete from " + name_, err));
    return Napi::Value();
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value BpfMap::NextKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "nextKey")) return Napi::Value();
  const void* key = nullptr;
  if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) {
    if (!CheckBytes(env, "nextKey", info[0], key_size_, "key")) return Napi::Value();
    key = info[0].As<Napi::Uint8Array>().Data();
  }
  std::vector<uint8_t> next(key_size_);
  if (bpf_map_get_next_key(fd_, key, next.data()) != 0) {
    int err = errno;
    if (err == ENOENT) return env.Null();
    ThrowNativeError(env, "ESYS", err, "bpf_map_get_next_key", WithStrerror("iterate " + name_, err));
    return Napi::Value();
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, key_size_);
  memcpy(out.Data(), next.data(), key_size_);
  return out;
}

Napi::Value BpfMap::CloseMethod(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}

}  // namespace kwire
