#include "bpf/bpf_object.h"

#include <bpf/libbpf.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "bpf/bpf_globals.h"
#include "bpf/libbpf_log.h"
#include "bpf/test_run.h"
#include "errors.h"
#include "producers/perf_reader.h"
#include "producers/ring_reader.h"

namespace kwire {
namespace {

constexpr size_t kLogLines = 12;    // of libbpf's output (and the verifier log) in errors' libbpfLog
constexpr size_t kLogChars = 2000;

std::string LogTail() { return LibbpfLogTail(kLogLines, kLogChars); }

}  // namespace

Napi::Function BpfObject::Define(Napi::Env env) {
  return DefineClass(env, "BpfObject",
                     {InstanceMethod<&BpfObject::SetGlobal>("setGlobal"),
                      InstanceMethod<&BpfObject::Load>("load"),
                      InstanceMethod<&BpfObject::Attach>("attach"),
                      InstanceMethod<&BpfObject::ReadGlobal>("readGlobal"),
                      InstanceMethod<&BpfObject::ProgramNames>("programNames"),
                      InstanceMethod<&BpfObject::ProgramSections>("programSections"),
                      InstanceMethod<&BpfObject::OpenRing>("openRing"),
                      InstanceMethod<&BpfObject::CloseMethod>("close"),
                      InstanceMethod<&BpfObject::SetMaxEntries>("setMaxEntries"),
                      InstanceMethod<&BpfObject::SetAutoload>("setAutoload"),
                      InstanceMethod<&BpfObject::PinMap>("pinMap"),
                      InstanceMethod<&BpfObject::PinProgram>("pinProgram"),
                      InstanceMethod<&BpfObject::PinLink>("pinLink"),
                      InstanceMethod<&BpfObject::AttachCgroup>("attachCgroup"),
                      InstanceMethod<&BpfObject::AttachTc>("attachTc"),
                      InstanceMethod<&BpfObject::OpenPerf>("openPerf"),
                      InstanceMethod<&BpfObject::TestRun>("testRun")});
}

BpfObject::BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "BpfObject: path must be a string");
    return;
  }
  path_ = info[0].As<Napi::String>().Utf8Value();
  ClearLibbpfLog();
  obj_ = bpf_object__open_file(path_.c_str(), nullptr);
  if (obj_ == nullptr) {
    int err = errno;
    ThrowNativeError(env, "EOPEN", err, "bpf_object__open_file",
                     WithStrerror("open " + path_, err), LogTail());
  }
}

BpfObject::~BpfObject() { Close(); }

void BpfObject::Close() {
  std::set<PollReader*> readers;
  readers.swap(readers_);
  for (PollReader* reader : readers) reader->Close();
  DestroyLinks();
  if (obj_) bpf_object__close(obj_);
  obj_ = nullptr;
}

void BpfObject::DestroyLinks() {
  while (!detachers_.empty()) {
    detachers_.back()();
    detachers_.pop_back();
  }
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
  link_programs_.clear();
  attached_ = false;
}

bool BpfObject::CheckOpen(Napi::Env env, const char* method) {
  if (obj_ != nullptr) return true;
  ThrowNativeError(env, "ESTATE", 0, "", std::string(method) + ": object is closed");
  return false;
}

bool BpfObject::FindGlobal(Napi::Env env, const std::string& name, bpf_map** map, uint32_t* offset,
                           uint32_t* size) {
  std::string missing = FindGlobalVariable(obj_, name, map, offset, size);
  if (missing.empty()) return true;
  ThrowNativeError(env, "ENOENT", 0, "", missing + " in " + path_);
  return false;
}

Napi::Value BpfObject::SetGlobal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowNativeError(env, "EARG", 0, "", "setGlobal(name: string, bytes: Uint8Array)");
    return Napi::Value();
  }
  if (!CheckOpen(env, "setGlobal")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (load_attempted_) {
    ThrowNativeError(env, "ESTATE", 0, "", "setGlobal('" + name + "'): object is already loaded");
    return Napi::Value();
  }
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  bpf_map* map;
  uint32_t offset, size;
  if (!FindGlobal(env, name, &map, &offset, &size)) return Napi::Value();
  if (bytes.ByteLength() != size) {
    ThrowNativeError(env, "EARG", 0, "",
                     "setGlobal('" + name + "'): expected " + std::to_string(size) + " bytes, got " +
                         std::to_string(bytes.ByteLength()));
    return Napi::Value();
  }
  size_t map_size = 0;
  // Before load this is libbpf's own copy of the section, used as the map's initial value.
  auto* data = static_cast<uint8_t*>(const_cast<void*>(bpf_map__initial_value(map, &map_size)));
  if (data == nullptr || static_cast<size_t>(offset) + size > map_size) {
    ThrowNativeError(env, "ENOENT", 0, "bpf_map__initial_value",
                     "setGlobal('" + name + "'): no initial value for " + bpf_map__name(map));
    return Napi::Value();
  }
  memcpy(data + offset, bytes.Data(), size);
  return env.Undefined();
}

Napi::Value BpfObject::ReadGlobal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "readGlobal(name: string)");
    return Napi::Value();
  }
  if (!CheckOpen(env, "readGlobal")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "readGlobal('" + name + "'): object is not loaded");
    return Napi::Value();
  }
  bpf_map* map;
  uint32_t offset, size;
  if (!FindGlobal(env, name, &map, &offset, &size)) return Napi::Value();
  size_t map_size = 0;
  // After load this is the map's mmaped value: what the BPF programs see now.
  auto* data = static_cast<const uint8_t*>(bpf_map__initial_value(map, &map_size));
  if (data == nullptr || static_cast<size_t>(offset) + size > map_size) {
    ThrowNativeError(env, "ENOENT", 0, "bpf_map__initial_value",
                     "readGlobal('" + name + "'): " + bpf_map__name(map) + " is not mmaped");
    return Napi::Value();
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, size);
  memcpy(out.Data(), data + offset, size);
  return out;
}

Napi::Value BpfObject::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "load")) return Napi::Value();
  if (load_attempted_) {
    ThrowNativeError(env, "ESTATE", 0, "", "load: already loaded (or a load failed)");
    return Napi::Value();
  }
  load_attempted_ = true;
  ClearLibbpfLog();
  // The verifier gives up with EAGAIN when a signal is pending (do_check checks signal_pending), and
  // libbpf retries a load only a few times: under a sampling profiler's SIGPROF (node --cpu-prof, every
  // 100 us with --cpu-prof-interval 100) a long program never loaded. Signals wait, blocked on this
  // thread, until the load returns; they are delivered then.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved);
  int ret = bpf_object__load(obj_);
  int load_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  errno = load_errno;
  if (ret != 0) {
    int err = ret < 0 ? -ret : errno;
    ThrowNativeError(env, "ELOAD", err, "bpf_object__load",
                     WithStrerror("load " + path_, err), LogTail());
    return Napi::Value();
  }
  std::string map_name;
  int err = MapGlobalsOverInitialValues(obj_, &map_name);
  if (err != 0) {
    ThrowNativeError(env, "ESYS", err, "mmap", WithStrerror("load: map global data " + map_name, err));
    return Napi::Value();
  }
  loaded_ = true;
  return env.Undefined();
}

Napi::Value BpfObject::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "attach")) return Napi::Value();
  if (!loaded_ || attached_) {
    ThrowNativeError(env, "ESTATE", 0, "",
                     loaded_ ? "attach: already attached" : "attach: object is not loaded");
    return Napi::Value();
  }
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj_) {
    if (!bpf_program__autoattach(prog) || !bpf_program__autoload(prog)) continue;  // setAutoload(false): not loaded
    ClearLibbpfLog();
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      int err = errno;
      // As libbpf's skeleton attach does: a section type with no automatic attachment (tc,
      // cgroup_skb, ...) is left for the caller to attach by other means.
      if (err == EOPNOTSUPP) continue;
      DestroyLinks();
      ThrowNativeError(env, "EATTACH", err, "bpf_program__attach",
                       WithStrerror(std::string("attach ") + bpf_program__name(prog) + " (" +
                                        bpf_program__section_name(prog) + ")", err),
                       LogTail());
      return Napi::Value();
    }
    links_.push_back(link);
    link_programs_.push_back(prog);
  }
  attached_ = true;
  return env.Undefined();
}

Napi::Value BpfObject::ProgramNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "programNames")) return Napi::Value();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj_) out.Set(i++, bpf_program__name(prog));
  return out;
}

Napi::Value BpfObject::ProgramSections(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "programSections")) return Napi::Value();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj_) out.Set(i++, bpf_program__section_name(prog));
  return out;
}

Napi::Value BpfObject::OpenRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsTypedArray() || !info[2].IsNumber() ||
      !info[3].IsFunction() || (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsObject())) {
    ThrowNativeError(env, "EARG", 0, "",
                     "openRing(mapName: string, ring: Uint8Array, source: number, onData: function, "
                     "options?: object)");
    return Napi::Value();
  }
  bool paused = false;
  if (!ReadPaused(env, info[4], "openRing", &paused)) return Napi::Value();
  WakeOptions wake;
  if (!ReadWakeOptions(env, info[4], "openRing", &wake)) return Napi::Value();
  double source = info[2].As<Napi::Number>().DoubleValue();
  if (!(source >= 0 && source <= 0xffff && source == static_cast<uint32_t>(source))) {
    ThrowNativeError(env, "EARG", 0, "", "openRing: source must be an integer in 0..65535");
    return Napi::Value();
  }
  if (!CheckOpen(env, "openRing")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "openRing('" + name + "'): object is not loaded");
    return Napi::Value();
  }
  bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "openRing: no map '" + name + "' in " + path_);
    return Napi::Value();
  }
  if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
    ThrowNativeError(env, "EMAP", 0, "", "openRing: map '" + name + "' is not a BPF_MAP_TYPE_RINGBUF");
    return Napi::Value();
  }
  return RingReader::Open(env, this, bpf_map__fd(map), bpf_map__max_entries(map), info[1],
                          static_cast<uint32_t>(source), info[3].As<Napi::Function>(), paused, wake);
}

Napi::Value BpfObject::CloseMethod(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

Napi::Value BpfObject::OpenPerf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsTypedArray() || !info[2].IsNumber() ||
      !info[3].IsFunction() || (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsObject())) {
    ThrowNativeError(env, "EARG", 0, "",
                     "openPerf(mapName: string, ring: Uint8Array, source: number, onData: function, "
                     "options?: object)");
    return Napi::Value();
  }
  double source = info[2].As<Napi::Number>().DoubleValue();
  if (!(source >= 0 && source <= 0xffff && source == static_cast<uint32_t>(source))) {
    ThrowNativeError(env, "EARG", 0, "", "openPerf: source must be an integer in 0..65535");
    return Napi::Value();
  }
  PerfOptions options;
  bool paused = false;
  if (!ReadPaused(env, info[4], "openPerf", &paused)) return Napi::Value();
  WakeOptions wake;
  if (!ReadWakeOptions(env, info[4], "openPerf", &wake)) return Napi::Value();
  if (info.Length() > 4 && info[4].IsObject()) {
    Napi::Object o = info[4].As<Napi::Object>();
    struct Field {
      const char* key;
      uint32_t* out;
    } fields[] = {{"pageCount", &options.page_count},
                  {"wakeupEvents", &options.wakeup_events},
                  {"watermarkBytes", &options.watermark_bytes}};
    for (const Field& f : fields) {
      Napi::Value v = o.Get(f.key);
      if (v.IsUndefined()) continue;
      double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 0 && d <= 0xffffffffu && d == static_cast<uint32_t>(d))) {
        ThrowNativeError(env, "EARG", 0, "", std::string("openPerf: ") + f.key + " must be a u32");
        return Napi::Value();
      }
      *f.out = static_cast<uint32_t>(d);
    }
    if (options.page_count == 0 || (options.page_count & (options.page_count - 1)) != 0) {
      ThrowNativeError(env, "EARG", 0, "", "openPerf: pageCount must be a power of two");
      return Napi::Value();
    }
  }
  if (!CheckOpen(env, "openPerf")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "openPerf('" + name + "'): object is not loaded");
    return Napi::Value();
  }
  bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "openPerf: no map '" + name + "' in " + path_);
    return Napi::Value();
  }
  if (bpf_map__type(map) != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    ThrowNativeError(env, "EMAP", 0, "",
                     "openPerf: map '" + name + "' is not a BPF_MAP_TYPE_PERF_EVENT_ARRAY");
    return Napi::Value();
  }
  return PerfReader::Open(env, this, bpf_map__fd(map), bpf_map__max_entries(map), info[1],
                          static_cast<uint32_t>(source), info[3].As<Napi::Function>(), options,
                          paused, wake);
}

Napi::Value BpfObject::TestRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "testRun(programName: string, options?: object)");
    return Napi::Value();
  }
  TestRunOptions options;
  if (info.Length() > 1 && !info[1].IsUndefined() && !ParseTestRunOptions(env, info[1], &options)) {
    return Napi::Value();
  }
  if (!CheckOpen(env, "testRun")) return Napi::Value();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "testRun('" + name + "'): object is not loaded");
    return Napi::Value();
  }
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) {
    ThrowNativeError(env, "ENOENT", 0, "", "testRun: no program '" + name + "' in " + path_);
    return Napi::Value();
  }
  return StartTestRun(env, bpf_program__fd(prog), name, options);
}

}  // namespace kwire
