// Global variables of a BPF object (.rodata, .data, .bss and their .rodata.* / .data.* variants):
// finding one by name through the object's BTF, and making libbpf's view of them live after load.
#pragma once

#include <cstdint>
#include <string>

struct bpf_object;
struct bpf_map;

namespace kwire {

// Finds variable `name` in the global-data DATASECs and the internal map that holds its section.
// Returns an empty string on success, else what is missing.
std::string FindGlobalVariable(bpf_object* obj, const std::string& name, bpf_map** map,
                               uint32_t* offset, uint32_t* size);

// After bpf_object__load: maps each loaded global-data map over the region bpf_map__initial_value()
// returns, so that region is the live map. Returns 0, or an errno and the map's name.
int MapGlobalsOverInitialValues(bpf_object* obj, std::string* map_name);

}  // namespace kwire
