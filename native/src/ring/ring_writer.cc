#include "ring/ring_writer.h"

#include <string>

#include "errors.h"
#include "ring/shared_ring.h"

namespace kwire {

Napi::Value WriteFrames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsArray()) {
    ThrowNativeError(env, "EARG", 0, "", "writeFrames(ring: Uint8Array, source: number, payloads: Uint8Array[])");
    return Napi::Value();
  }
  Napi::Uint8Array ring = info[0].As<Napi::Uint8Array>();
  std::string bad = SharedRing::Validate(ring.Data(), ring.ByteLength());
  if (!bad.empty()) {
    ThrowNativeError(env, "EARG", 0, "", "writeFrames: " + bad);
    return Napi::Value();
  }
  if (!ClaimRing(ring.Data())) {
    ThrowNativeError(env, "ESTATE", 0, "", "writeFrames: this ring has an open reader");
    return Napi::Value();
  }
  SharedRing producer(ring.Data());
  uint16_t source = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
  Napi::Array payloads = info[2].As<Napi::Array>();
  uint32_t written = 0;
  for (uint32_t i = 0; i < payloads.Length(); i++) {
    Napi::Value p = payloads.Get(i);
    if (!p.IsTypedArray() || p.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowNativeError(env, "EARG", 0, "", "writeFrames: payloads must be Uint8Arrays");
      break;
    }
    Napi::Uint8Array bytes = p.As<Napi::Uint8Array>();
    if (bytes.ByteLength() > producer.max_payload()) {
      producer.AddOversize();
      written++;  // consumed, as the poll thread does with an oversize kernel record
      continue;
    }
    if (!producer.TryWrite(source, bytes.Data(), static_cast<uint32_t>(bytes.ByteLength()))) break;
    written++;
  }
  producer.Publish();
  UnclaimRing(ring.Data());
  if (env.IsExceptionPending()) return Napi::Value();
  return Napi::Number::New(env, written);
}

}  // namespace kwire
