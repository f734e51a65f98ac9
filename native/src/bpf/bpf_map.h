// BpfMap: a BPF map opened by its bpffs pin path, read and written with byte keys and values. The
// addon knows nothing of what the bytes mean: sizes are checked against the map's own key/value sizes.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace kwire {

class BpfMap : public Napi::ObjectWrap<BpfMap> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit BpfMap(const Napi::CallbackInfo& info);
  ~BpfMap() override;

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value NextKey(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);

  // Throws ESTATE when closed, EARG when `value` is not a Uint8Array of `size` bytes.
  bool CheckOpen(Napi::Env env, const char* method);
  bool CheckBytes(Napi::Env env, const char* method, Napi::Value value, uint32_t size, const char* what);

  std::string path_;
  int fd_ = -1;
  uint32_t type_ = 0, key_size_ = 0, value_size_ = 0, max_entries_ = 0, id_ = 0;
  std::string name_;
};

}  // namespace kwire
