// ReaderOwner: what a producer (a PollReader) may belong to. An owner closes its open readers when it
// closes itself (a BpfObject closes the readers of its maps), and an open reader keeps the owner's JS
// object alive. A reader with no owner (nullptr: FdReader) lives on its own until close() or env
// teardown.
#pragma once

#include <napi.h>

namespace kwire {

class PollReader;

class ReaderOwner {
 public:
  // Called by a reader when it opens and closes (JS thread).
  virtual void AddReader(PollReader* reader) = 0;
  virtual void ForgetReader(PollReader* reader) = 0;
  // The JS object an open reader keeps alive.
  virtual Napi::Object OwnerObject() = 0;

 protected:
  ~ReaderOwner() = default;  // never deleted through this interface
};

}  // namespace kwire
