#include "errors.h"

#include <cstring>

namespace kwire {

Napi::Error MakeNativeError(Napi::Env env, const char* code, int err, const char* syscall,
                            const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object obj = error.Value();
  obj.Set("code", Napi::String::New(env, code));
  obj.Set("errno", Napi::Number::New(env, err));
  obj.Set("syscall", Napi::String::New(env, syscall ? syscall : ""));
  return error;
}

void ThrowNativeError(Napi::Env env, const char* code, int err, const char* syscall,
                      const std::string& message) {
  MakeNativeError(env, code, err, syscall, message).ThrowAsJavaScriptException();
}

void ThrowNativeError(Napi::Env env, const char* code, int err, const char* syscall,
                      const std::string& message, const std::string& libbpf_log) {
  Napi::Error error = MakeNativeError(env, code, err, syscall, message);
  if (!libbpf_log.empty()) error.Value().Set("libbpfLog", Napi::String::New(env, libbpf_log));
  error.ThrowAsJavaScriptException();
}

std::string WithStrerror(const std::string& message, int err) {
  if (err == 0) return message;
  char buf[128];
#ifdef _WIN32
  strerror_s(buf, sizeof buf, err);
  const char* text = buf;
#else
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* text = strerror_r(err, buf, sizeof buf);
#endif
  return message + ": " + text + " (errno " + std::to_string(err) + ")";
}

}  // namespace kwire
