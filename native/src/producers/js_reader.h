// What RingReader, PerfReader and FdReader share as JS classes: JS cannot construct one (only the
// reader's open function can, with a token only this class has), and stats(), start() and close() are
// the Reader interface of index.d.ts. T supplies a public Stats().
#pragma once

#include <napi.h>

#include "errors.h"
#include "producers/poll_reader.h"

namespace kwire {

template <typename T>
class JsReader : public Napi::ObjectWrap<T>, public PollReader {
 public:
  using Method = Napi::Value (T::*)(const Napi::CallbackInfo&);

  // The JS class `name`, with the Reader methods.
  static Napi::Function DefineReader(Napi::Env env, const char* name) {
    using W = Napi::ObjectWrap<T>;
    return W::DefineClass(env, name,
                          {W::InstanceMethod("stats", static_cast<Method>(&T::Stats)),
                           W::InstanceMethod("start", static_cast<Method>(&JsReader::StartMethod)),
                           W::InstanceMethod("flush", static_cast<Method>(&JsReader::FlushMethod)),
                           W::InstanceMethod("close", static_cast<Method>(&JsReader::CloseMethod))});
  }

 protected:
  // Throws EARG with `created_by` when JS calls the constructor itself.
  JsReader(const Napi::CallbackInfo& info, const char* created_by) : Napi::ObjectWrap<T>(info) {
    if (info.Length() != 1 || !info[0].IsExternal() ||
        info[0].As<Napi::External<int>>().Data() != &token_) {
      ThrowNativeError(info.Env(), "EARG", 0, "", created_by);
    }
  }

  // A new instance of the class `ctor` (Define's function, kept in the addon data).
  static Napi::Object NewReader(Napi::Env env, const Napi::FunctionReference& ctor) {
    return ctor.New({Napi::External<int>::New(env, &token_)});
  }

 private:
  Napi::Value StartMethod(const Napi::CallbackInfo& info) {
    Resume(info.Env(), "start");
    return info.Env().Undefined();
  }
  Napi::Value FlushMethod(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(FlushOnJsThread()));
  }
  Napi::Value CloseMethod(const Napi::CallbackInfo& info) {
    Close();
    return info.Env().Undefined();
  }

  static inline int token_ = 0;
};

}  // namespace kwire
