// One error mode for the whole addon: a JS Error carrying a stable `code`, the `errno` seen (0 if none)
// and the failing call in `syscall` (see index.d.ts, NativeError). Nothing here throws C++ exceptions:
// the addon is built with NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS, so callers throw and return.
#pragma once

#include <napi.h>

#include <string>

namespace kwire {

// Builds the error object without throwing it (e.g. to hand to a callback).
Napi::Error MakeNativeError(Napi::Env env, const char* code, int err, const char* syscall,
                            const std::string& message);

// Throws into JS. The caller returns right after (an empty value is fine: the exception is pending).
void ThrowNativeError(Napi::Env env, const char* code, int err, const char* syscall,
                      const std::string& message);

// The same, with the last lines libbpf logged during the failing call in `libbpfLog` (when any).
void ThrowNativeError(Napi::Env env, const char* code, int err, const char* syscall,
                      const std::string& message, const std::string& libbpf_log);

// "message: strerror(err)" when err != 0, else just message.
std::string WithStrerror(const std::string& message, int err);

}  // namespace kwire
