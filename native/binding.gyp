{
  "targets": [
    {
      "target_name": "kwire",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/ring/shared_ring.cc",
        "src/ring/ring_writer.cc",
        "src/producers/stoppable_epoll.cc",
        "src/producers/poll_reader.cc",
        "src/producers/kernel_ringbuf.cc",
        "src/producers/ring_reader.cc",
        "src/producers/kernel_perfbuf.cc",
        "src/producers/perf_reader.cc",
        "src/producers/fd_input.cc",
        "src/producers/fd_reader.cc",
        "src/producers/proc_connector.cc",
        "src/bpf/libbpf_log.cc",
        "src/bpf/bpf_globals.cc",
        "src/bpf/bpf_object.cc",
        "src/bpf/bpf_pins.cc",
        "src/bpf/attach.cc",
        "src/bpf/bpf_map.cc",
        "src/bpf/test_run.cc",
        "src/bpf/probe.cc"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")", "src"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-fvisibility=hidden"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-Wl,--exclude-libs,ALL"],
      "libraries": ["<(SHARED_INTERMEDIATE_DIR)/libbpf_kwire.a", "-lelf", "-lz", "-lpthread"],
      "actions": [
        {
          # Debian's libbpf.a is built as PIE code: fine for a shared object except one PC-relative
          # reference to glibc's `stderr` (in libbpf's default print function). A private copy of the
          # archive points it at a hidden variable of ours instead (src/bpf/libbpf_log.cc).
          "action_name": "libbpf_for_shared_object",
          "inputs": ["/usr/lib/x86_64-linux-gnu/libbpf.a"],
          "outputs": ["<(SHARED_INTERMEDIATE_DIR)/libbpf_kwire.a"],
          "action": ["objcopy", "--redefine-sym", "stderr=kwire_libbpf_stderr", "<@(_inputs)", "<@(_outputs)"]
        }
      ]
    }
  ]
}
