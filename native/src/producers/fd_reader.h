// FdReader: a PollReader (poll_reader.h: thread, wake-up, lifetime) over a file descriptor that is not
// BPF: a netlink or other datagram socket (each recv() one record), or a pipe, FIFO, stream socket or
// file carrying u32-little-endian-length-prefixed records. It has no owner: it lives until close().
//
// Records are never dropped for want of room: a record that does not fit the shared ring now waits in
// the reader (back-pressure). At EOF (or a read error) it publishes what it has, sets `ended`, wakes
// JS a last time and its thread returns.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "producers/fd_input.h"
#include "producers/js_reader.h"

namespace kwire {

class FdReader : public JsReader<FdReader> {
 public:
  static Napi::Function Define(Napi::Env env);

  // openFdReader(fd, ring, source, onData, options?): see index.d.ts. `fd` is borrowed (the reader
  // keeps a dup). On failure throws a NativeError and returns an empty value.
  static Napi::Value OpenFdReader(const Napi::CallbackInfo& info);

  explicit FdReader(const Napi::CallbackInfo& info);
  ~FdReader() override;

  // stats(): the common counters and this reader's own.
  Napi::Value Stats(const Napi::CallbackInfo& info);

 private:
  enum class Framing { kDatagram, kU32le };

  void DrainPass(Pass* pass) override;
  Wait WaitKernel(int timeout_ms) override;
  void StopKernel() override { input_.Stop(); }
  void CloseKernel() override { input_.Close(); }

  void DrainDatagrams(Pass* pass);
  void DrainStream(Pass* pass);
  // u32le: copies the complete records in buf_ to the shared ring. False when the pass must end
  // (shared ring full, or a whole batch copied).
  bool CopyRecords(Pass* pass);
  // The input is over: a record left incomplete is lost; `err` (0 at EOF) goes to stats().errno.
  void End(Pass* pass, int err);
  void CountLost();

  FdInput input_;
  Framing framing_ = Framing::kU32le;
  uint32_t max_record_ = 0;
  std::vector<uint8_t> buf_;
  // u32le: buf_[start_, end_) is read and not yet copied (at most one incomplete record after a copy).
  size_t start_ = 0;
  size_t end_ = 0;
  uint64_t skip_ = 0;  // u32le: bytes still to discard of an oversize record
  // datagram: one datagram in buf_, of held_len_ bytes, waiting for room in the shared ring.
  bool holding_ = false;
  uint32_t held_len_ = 0;
  std::atomic<int> errno_{0};
  std::atomic<uint64_t> lost_{0};
};

}  // namespace kwire
