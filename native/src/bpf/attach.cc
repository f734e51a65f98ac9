// BpfObject methods for programs libbpf cannot attach by their SEC name alone: cgroup_skb (needs a
// cgroup) and tc (needs an interface and a direction); and map sizing before load. Everything attached
// here is undone by close(): cgroup and tcx links are destroyed, tc filters detached, and a clsact
// qdisc this object created is removed. Links are fds, so the kernel also undoes them when the process
// dies without close() (SIGKILL); a tc filter it would keep: tc filters are only the fallback.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "bpf/bpf_object.h"
#include "errors.h"
#include "bpf/libbpf_log.h"

namespace kwire {
namespace {

// enum bpf_attach_type in include/uapi/linux/bpf.h (Linux >= 6.6); libbpf 1.1's headers predate it.
constexpr int kTcxIngress = 46;
constexpr int kTcxEgress = 47;

}  // namespace

bpf_program* BpfObject::FindProgram(Napi::Env env, const std::string& name) {
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) ThrowNativeError(env, "ENOENT", 0, "", "no program '" + name + "' in " + path_);
  return prog;
}

// attachCgroup(program, cgroupPath): a link (BPF_F_ALLOW_MULTI semantics) on a cgroup v2 directory.
Napi::Value BpfObject::AttachCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "attachCgroup(program: string, cgroupPath: string)");
    return Napi::Value();
  }
  if (!CheckOpen(env, "attachCgroup")) return Napi::Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "attachCgroup: object is not loaded");
    return Napi::Value();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string path = info[1].As<Napi::String>().Utf8Value();
  bpf_program* prog = FindProgram(env, name);
  if (prog == nullptr) return Napi::Value();
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowNativeError(env, "ESYS", err, "open", WithStrerror("attachCgroup: open " + path, err));
    return Napi::Value();
  }
  ClearLibbpfLog();
  bpf_link* link = bpf_program__attach_cgroup(prog, fd);
  int err = errno;
  close(fd);  // the link holds the cgroup
  if (link == nullptr) {
    ThrowNativeError(env, "EATTACH", err, "bpf_program__attach_cgroup",
                     WithStrerror("attach " + name + " to cgroup " + path, err));
    return Napi::Value();
  }
  links_.push_back(link);
  return env.Undefined();
}

// attachTc(program, ifname, 'ingress' | 'egress'): a tc filter on the interface's clsact qdisc
// (created when absent, and then removed again on close).
Napi::Value BpfObject::AttachTc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString()) {
    ThrowNativeError(env, "EARG", 0, "", "attachTc(program: string, ifname: string, direction: 'ingress' | 'egress')");
    return Napi::Value();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string ifname = info[1].As<Napi::String>().Utf8Value();
  std::string direction = info[2].As<Napi::String>().Utf8Value();
  if (direction != "ingress" && direction != "egress") {
    ThrowNativeError(env, "EARG", 0, "", "attachTc: direction must be 'ingress' or 'egress', got '" + direction + "'");
    return Napi::Value();
  }
  if (!CheckOpen(env, "attachTc")) return Napi::Value();
  if (!loaded_) {
    ThrowNativeError(env, "ESTATE", 0, "", "attachTc: object is not loaded");
    return Napi::Value();
  }
  bpf_program* prog = FindProgram(env, name);
  if (prog == nullptr) return Napi::Value();
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) {
    int err = errno;
    ThrowNativeError(env, "ESYS", err, "if_nametoindex", WithStrerror("attachTc: interface " + ifname, err));
    return Napi::Value();
  }
  ClearLibbpfLog();
  // A tcx link (the program goes before any tc filter; it returns TC_ACT_UNSPEC, i.e. TCX_NEXT, so
  // everything else on the interface still runs).
  int link = bpf_link_create(bpf_program__fd(prog), static_cast<int>(ifindex),
                             static_cast<bpf_attach_type>(direction == "ingress" ? kTcxIngress : kTcxEgress),
                             nullptr);
  if (link >= 0) {
    detachers_.push_back([link]() { close(link); });
    return env.Undefined();
  }
  // Older kernels (EINVAL: no such attach type): a filter on the clsact qdisc, through netlink.
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
              .attach_point = direction == "ingress" ? BPF_TC_INGRESS : BPF_TC_EGRESS);
  int ret = bpf_tc_hook_create(&hook);  // the clsact qdisc, for both directions
  if (ret != 0 && ret != -EEXIST) {
    ThrowNativeError(env, "EATTACH", -ret, "bpf_tc_hook_create", WithStrerror("attachTc: clsact on " + ifname, -ret));
    return Napi::Value();
  }
  if (ret == 0) {
    // Ours: removed (with any filter left on it) when the object closes; pushed first, so it runs last.
    detachers_.push_back([ifindex]() {
      LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = static_cast<int>(ifindex),
                  .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
      bpf_tc_hook_destroy(&h);
    });
  }
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(prog));
  ret = bpf_tc_attach(&hook, &opts);
  if (ret != 0) {
    ThrowNativeError(env, "EATTACH", -ret, "bpf_tc_attach",
                     WithStrerror("attach " + name + " to tc " + direction + " of " + ifname, -ret));
    return Napi::Value();
  }
  bpf_tc_attach_point point = hook.attach_point;
  uint32_t handle = opts.handle, priority = opts.priority;
  detachers_.push_back([ifindex, point, handle, priority]() {
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = static_cast<int>(ifindex), .attach_point = point);
    LIBBPF_OPTS(bpf_tc_opts, o, .handle = handle, .priority = priority);
    bpf_tc_detach(&h, &o);  // fails harmlessly when the interface is gone
  });
  return env.Undefined();
}

}  // namespace kwire
