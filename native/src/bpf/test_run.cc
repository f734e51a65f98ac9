#include "bpf/test_run.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "errors.h"

namespace kwire {
namespace {

uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

class TestRunWorker : public Napi::AsyncWorker {
 public:
  TestRunWorker(Napi::Env env, int fd, std::string name, const TestRunOptions& options)
      : Napi::AsyncWorker(env, "kwire.testRun"),
        deferred_(Napi::Promise::Deferred::New(env)),
        fd_(fd),
        name_(std::move(name)),
        options_(options) {}
  ~TestRunWorker() override {
    if (fd_ >= 0) close(fd_);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    cpu_set_t saved;
    bool pinned = false;
    if (options_.cpu >= 0) {
      // A pool thread: pin it for this run only, and restore its mask afterwards.
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(options_.cpu, &one);
      if (pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) != 0 ||
          pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0) {
        Fail(EINVAL, "pthread_setaffinity_np", "pin to cpu " + std::to_string(options_.cpu));
        return;
      }
      pinned = true;
    }
    std::vector<uint8_t> data(options_.data_size, 0);
    uint64_t start = MonotonicNs();
    for (uint32_t b = 0; b < options_.batches; b++) {
      if (options_.interval_ns && b > 0) {
        uint64_t at = start + options_.interval_ns * b;
        struct timespec ts = {static_cast<time_t>(at / 1000000000ull), static_cast<long>(at % 1000000000ull)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
      }
      LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.data(),
                  .data_size_in = static_cast<__u32>(data.size()),
                  .repeat = static_cast<int>(options_.repeat));
      if (bpf_prog_test_run_opts(fd_, &opts) != 0) {
        Fail(errno, "bpf_prog_test_run_opts", "testRun " + name_);
        break;
      }
      retval_ = opts.retval;
      runs_ += options_.repeat;
    }
    duration_ns_ = MonotonicNs() - start;
    if (pinned) pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (err_ != 0) {
      deferred_.Reject(
          MakeNativeError(env, "ESYS", err_, syscall_, WithStrerror(message_, err_)).Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("retval", Napi::Number::New(env, retval_));
    out.Set("runs", Napi::Number::New(env, static_cast<double>(runs_)));
    out.Set("durationNs", Napi::Number::New(env, static_cast<double>(duration_ns_)));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Fail(int err, const char* syscall, std::string message) {
    err_ = err, syscall_ = syscall, message_ = std::move(message);
  }

  Napi::Promise::Deferred deferred_;
  int fd_;
  std::string name_;
  TestRunOptions options_;
  uint32_t retval_ = 0;
  uint64_t runs_ = 0;
  uint64_t duration_ns_ = 0;
  int err_ = 0;
  const char* syscall_ = "";
  std::string message_;
};

bool ReadUint(Napi::Env env, Napi::Object o, const char* key, double max, double* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= max && d == static_cast<double>(static_cast<uint64_t>(d)))) {
    ThrowNativeError(env, "EARG", 0, "", std::string("testRun: ") + key + " must be an integer in 0.." +
                                             std::to_string(static_cast<uint64_t>(max)));
    return false;
  }
  *out = d;
  return true;
}

}  // namespace

bool ParseTestRunOptions(Napi::Env env, Napi::Value value, TestRunOptions* out) {
  if (!value.IsObject()) {
    ThrowNativeError(env, "EARG", 0, "", "testRun: options must be an object");
    return false;
  }
  Napi::Object o = value.As<Napi::Object>();
  double repeat = 1, batches = 1, interval = 0, cpu = -1, size = 64;
  if (!ReadUint(env, o, "repeat", 0x7fffffff, &repeat) || !ReadUint(env, o, "batches", 0xffffffffu, &batches) ||
      !ReadUint(env, o, "intervalNs", 1e15, &interval) || !ReadUint(env, o, "cpu", CPU_SETSIZE - 1, &cpu) ||
      !ReadUint(env, o, "dataSize", 65536, &size)) {
    return false;
  }
  out->repeat = static_cast<uint32_t>(repeat);
  out->batches = static_cast<uint32_t>(batches);
  out->interval_ns = static_cast<uint64_t>(interval);
  out->cpu = static_cast<int>(cpu);
  out->data_size = static_cast<uint32_t>(size);
  return true;
}

Napi::Value StartTestRun(Napi::Env env, int prog_fd, const std::string& name,
                         const TestRunOptions& options) {
  int fd = fcntl(prog_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    ThrowNativeError(env, "ESYS", err, "fcntl", WithStrerror("testRun: dup program fd", err));
    return Napi::Value();
  }
  auto* worker = new TestRunWorker(env, fd, name, options);  // deleted by node-addon-api after OnOK
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace kwire
