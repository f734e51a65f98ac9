// Entry point: registers the addon's classes. See index.d.ts for the JS API.
#include <napi.h>

#include "addon.h"
#include "bpf/bpf_map.h"
#include "bpf/bpf_object.h"
#include "bpf/libbpf_log.h"
#include "bpf/probe.h"
#include "producers/proc_connector.h"
#include "producers/fd_reader.h"
#include "producers/perf_reader.h"
#include "producers/ring_reader.h"
#include "ring/ring_writer.h"

namespace kwire {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfLog();
  auto* data = new AddonData();
  env.SetInstanceData(data);  // deleted by node-addon-api when the env goes away

  Napi::Function bpf_object = BpfObject::Define(env);
  Napi::Function ring_reader = RingReader::Define(env);
  data->bpf_object = Napi::Persistent(bpf_object);
  data->ring_reader = Napi::Persistent(ring_reader);
  exports.Set("BpfObject", bpf_object);
  exports.Set("RingReader", ring_reader);
  exports.Set("writeFrames", Napi::Function::New(env, WriteFrames, "writeFrames"));
  Napi::Function bpf_map = BpfMap::Define(env);
  data->bpf_map = Napi::Persistent(bpf_map);
  exports.Set("BpfMap", bpf_map);
  Napi::Function perf_reader = PerfReader::Define(env);
  data->perf_reader = Napi::Persistent(perf_reader);
  exports.Set("PerfReader", perf_reader);
  Napi::Function fd_reader = FdReader::Define(env);
  data->fd_reader = Napi::Persistent(fd_reader);
  exports.Set("FdReader", fd_reader);
  exports.Set("openFdReader", Napi::Function::New(env, FdReader::OpenFdReader, "openFdReader"));
  exports.Set("openProcConnector", Napi::Function::New(env, OpenProcConnector, "openProcConnector"));
  exports.Set("procConnectorControl", Napi::Function::New(env, ProcConnectorControl, "procConnectorControl"));
  exports.Set("ringbufSupported", Napi::Function::New(env, RingbufSupported, "ringbufSupported"));
  exports.Set("bootTimeNs", Napi::Function::New(env, BootTimeNs, "bootTimeNs"));
  return exports;
}

}  // namespace kwire

static Napi::Object InitKwire(Napi::Env env, Napi::Object exports) {
  return kwire::Init(env, exports);
}

NODE_API_MODULE(kwire, InitKwire)
