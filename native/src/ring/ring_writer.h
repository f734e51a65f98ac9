// writeFrames(): the shared ring's producer driven synchronously from JS, with no kernel behind it.
// It exists for the addon tier of the tests (ring protocol, wrap markers, a full ring) and for
// benchmarks of the consumer; live sources use RingReader's poll thread.
#pragma once

#include <napi.h>

namespace kwire {

// writeFrames(ring: Uint8Array, source: number, payloads: Uint8Array[]): number
// Appends frames in order until one does not fit, publishes once, returns how many were written.
Napi::Value WriteFrames(const Napi::CallbackInfo& info);

}  // namespace kwire
