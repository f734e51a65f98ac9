// BpfObject: one BPF ELF object through libbpf: open, set globals, load, attach, read globals, open
// readers (producers/) on its ring buffer and perf event array maps, close. Everything is released by
// close() or, if the user never calls it, by the finalizer (an open reader keeps its BpfObject alive:
// BpfObject is the readers' ReaderOwner).
#pragma once

#include <napi.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "producers/reader_owner.h"

struct bpf_object;
struct bpf_link;
struct bpf_map;
struct bpf_program;

namespace kwire {

class BpfObject : public Napi::ObjectWrap<BpfObject>, public ReaderOwner {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

  // ReaderOwner: called by a reader (RingReader, PerfReader) when it opens and closes.
  void AddReader(PollReader* reader) override { readers_.insert(reader); }
  void ForgetReader(PollReader* reader) override { readers_.erase(reader); }
  Napi::Object OwnerObject() override { return Value(); }

 private:
  Napi::Value SetGlobal(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value ReadGlobal(const Napi::CallbackInfo& info);
  Napi::Value ProgramNames(const Napi::CallbackInfo& info);
  Napi::Value ProgramSections(const Napi::CallbackInfo& info);
  Napi::Value OpenRing(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);
  // bpf_pins.cc
  Napi::Value SetMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value SetAutoload(const Napi::CallbackInfo& info);
  Napi::Value PinMap(const Napi::CallbackInfo& info);
  Napi::Value PinProgram(const Napi::CallbackInfo& info);
  Napi::Value PinLink(const Napi::CallbackInfo& info);
  // attach.cc: explicit attachment of programs libbpf cannot auto-attach.
  Napi::Value AttachCgroup(const Napi::CallbackInfo& info);
  Napi::Value AttachTc(const Napi::CallbackInfo& info);
  bpf_program* FindProgram(Napi::Env env, const std::string& name);
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
  std::vector<bpf_program*> link_programs_;  // links_[i] attaches link_programs_[i]
  std::set<PollReader*> readers_;
  // Undo actions for attachments that are not bpf_links (tc filters, clsact qdiscs), run by Close()
  // in reverse order.
  std::vector<std::function<void()>> detachers_;
};

}  // namespace kwire
