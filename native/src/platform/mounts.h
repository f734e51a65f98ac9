// mount(2) and umount2(2) for the filesystems kwire mounts where they are missing (tracefs for libbpf's
// tp/ programs): no dependence on a `mount` binary on PATH. The checks (an empty directory, not a
// mount point) are the caller's (packages/kwire/src/platform/tracefs.ts).
#pragma once

#include <napi.h>

namespace kwire {

// mount(fstype: string, target: string): mount(2) of a pseudo filesystem (source = fstype, no data).
Napi::Value Mount(const Napi::CallbackInfo& info);
// unmount(target: string, lazy?: boolean): umount2(2), MNT_DETACH when lazy.
Napi::Value Unmount(const Napi::CallbackInfo& info);

}  // namespace kwire
