// BpfObject: one BPF ELF object through libbpf: open, set globals, load, attach, read globals, open
// ring readers on its ring buffer maps, close. Everything is released by close() or, if the user
// never calls it, by the finalizer (an open RingReader keeps its BpfObject alive).
#pragma once

#include <napi.h>

#include <set>
#include <string>
#include <vector>

struct bpf_object;
struct bpf_link;
struct bpf_map;

namespace kwire {

class RingReader;
class PerfReader;

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

  // Called by RingReader when it opens and closes.
  void AddReader(RingReader* reader) { readers_.insert(reader); }
  void ForgetReader(RingReader* reader) { readers_.erase(reader); }
  void AddPerfReader(PerfReader* reader) { perf_readers_.insert(reader); }
  void ForgetPerfReader(PerfReader* reader) { perf_readers_.erase(reader); }

 private:
  Napi::Value SetGlobal(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value ReadGlobal(const Napi::CallbackInfo& info);
  Napi::Value ProgramNames(const Napi::CallbackInfo& info);
  Napi::Value OpenRing(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);
  Napi::Value SetMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value OpenPerf(const Napi::CallbackInfo& info);
  Napi::Value TestRun(const Napi::CallbackInfo& info);

  void Close();
  void DestroyLinks();
  // Throws ESTATE and returns false when closed.
  bool CheckOpen(Napi::Env env, const char* method);
  // Finds global `name` in the .rodata/.data/.bss DATASECs and the internal map holding it.
  // Throws and returns false when absent.
  bool FindGlobal(Napi::Env env, const std::string& name, bpf_map** map, uint32_t* offset,
                  uint32_t* size);

  std::string path_;
  bpf_object* obj_ = nullptr;
  bool load_attempted_ = false;  // libbpf objects cannot be loaded twice, even after a failure
  bool loaded_ = false;
  bool attached_ = false;
  std::vector<bpf_link*> links_;
  std::set<RingReader*> readers_;
  std::set<PerfReader*> perf_readers_;
};

}  // namespace kwire
