// BPF_PROG_TEST_RUN off the JS thread: runs a loaded program `repeat` times per call, `batches` calls
// spaced `interval_ns` apart (absolute CLOCK_MONOTONIC deadlines, so a slow call does not shift the
// rest), on a libuv pool thread optionally pinned to one CPU. Resolves a promise with the totals.
// The worker owns a dup of the program fd, so closing the object meanwhile is safe.
#pragma once

#include <napi.h>

#include <cstdint>

namespace kwire {

struct TestRunOptions {
  uint32_t repeat = 1;
  uint32_t batches = 1;
  uint64_t interval_ns = 0;
  int cpu = -1;          // pin the calling thread to this CPU while running (-1: do not)
  uint32_t data_size = 64;  // bytes of zeroed packet data (tc and XDP programs need >= 14)
};

// Starts the run and returns its promise. prog_fd is borrowed (dup'ed). Throws (and returns an empty
// value) only on bad arguments or a failed dup.
Napi::Value StartTestRun(Napi::Env env, int prog_fd, const std::string& name,
                         const TestRunOptions& options);

// Reads TestRunOptions from a JS object. Throws (and returns false) on a bad field.
bool ParseTestRunOptions(Napi::Env env, Napi::Value value, TestRunOptions* out);

}  // namespace kwire
