#include "platform/mounts.h"

#include <sys/mount.h>

#include <cerrno>
#include <string>

#include "errors.h"

namespace kwire {

Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "mount(fstype: string, target: string)");
    return Napi::Value();
  }
  std::string fstype = info[0].As<Napi::String>().Utf8Value();
  std::string target = info[1].As<Napi::String>().Utf8Value();
  if (mount(fstype.c_str(), target.c_str(), fstype.c_str(), MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    int err = errno;
    ThrowNativeError(env, "ESYS", err, "mount", WithStrerror("mount " + fstype + " at " + target, err));
    return Napi::Value();
  }
  return env.Undefined();
}

Napi::Value Unmount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString() || (info.Length() > 1 && !info[1].IsBoolean())) {
    ThrowNativeError(env, "EARG", 0, "", "unmount(target: string, lazy?: boolean)");
    return Napi::Value();
  }
  std::string target = info[0].As<Napi::String>().Utf8Value();
  bool lazy = info.Length() > 1 && info[1].As<Napi::Boolean>().Value();
  if (umount2(target.c_str(), lazy ? MNT_DETACH : 0) != 0) {
    int err = errno;
    ThrowNativeError(env, "ESYS", err, "umount2", WithStrerror("unmount " + target, err));
    return Napi::Value();
  }
  return env.Undefined();
}

}  // namespace kwire
