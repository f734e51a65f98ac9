#include "bpf/bpf_globals.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kwire {
namespace {

bool IsGlobalSection(const char* name) {
  return strcmp(name, ".rodata") == 0 || strcmp(name, ".data") == 0 || strcmp(name, ".bss") == 0 ||
         strncmp(name, ".rodata.", 8) == 0 || strncmp(name, ".data.", 6) == 0;
}

bool EndsWith(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

}  // namespace

std::string FindGlobalVariable(bpf_object* obj, const std::string& name, bpf_map** map_out,
                               uint32_t* offset, uint32_t* size) {
  const struct btf* btf = bpf_object__btf(obj);
  const char* section = nullptr;
  for (uint32_t id = 1; btf && id < btf__type_cnt(btf) && !section; id++) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_datasec(t)) continue;
    const char* sec_name = btf__name_by_offset(btf, t->name_off);
    if (!sec_name || !IsGlobalSection(sec_name)) continue;
    const struct btf_var_secinfo* vars = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++) {
      const struct btf_type* var = btf__type_by_id(btf, vars[i].type);
      if (!var || !btf_is_var(var)) continue;
      const char* var_name = btf__name_by_offset(btf, var->name_off);
      if (var_name && name == var_name) {
        section = sec_name, *offset = vars[i].offset, *size = vars[i].size;
        break;
      }
    }
  }
  if (!section) return "no global variable '" + name + "' in .rodata/.data/.bss";
  // libbpf names a global-data map "<object name prefix><section>", or after the section itself.
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (!bpf_map__is_internal(map)) continue;
    const char* map_name = bpf_map__name(map);
    if (strcmp(map_name, section) == 0 || EndsWith(map_name, section)) {
      *map_out = map;
      return "";
    }
  }
  return "no map for section " + std::string(section) + " (global '" + name + "')";
}

// libbpf 1.1 keeps a private anonymous copy of each global-data section (bpf_map__initial_value) and
// only bpf_object__load_skeleton() maps the loaded kernel maps over it; plain bpf_object__load() does
// not (newer libbpf does it in load). Do what the skeleton loader does. libbpf still unmaps the region
// with its own size on bpf_object__close.
int MapGlobalsOverInitialValues(bpf_object* obj, std::string* map_name) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    size_t size = 0;
    void* addr = const_cast<void*>(bpf_map__initial_value(map, &size));
    if (!bpf_map__is_internal(map) || addr == nullptr) continue;
    if (!(bpf_map__map_flags(map) & BPF_F_MMAPABLE)) continue;
    int prot = (bpf_map__map_flags(map) & BPF_F_RDONLY_PROG) ? PROT_READ : PROT_READ | PROT_WRITE;
    size_t len = (size + page - 1) / page * page;
    if (mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, bpf_map__fd(map), 0) == MAP_FAILED) {
      *map_name = bpf_map__name(map);
      return errno;
    }
  }
  return 0;
}

}  // namespace kwire
