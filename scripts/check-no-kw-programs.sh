#!/usr/bin/env bash
# After the suite: no kwire BPF program (name kw_*) may remain loaded. The kernel frees a closed
# program after an RCU grace period, so allow it a moment.
command -v bpftool >/dev/null && [ "$(id -u)" = 0 ] || { echo "leak check: skipped (needs root and bpftool)"; exit 0; }
for _ in $(seq 1 100); do
  bpftool prog show 2>/dev/null | grep -q ' name kw_' || { echo "leak check: no kw_ BPF program left loaded"; exit 0; }
  sleep 0.05
done
echo "leak check: kwire BPF programs still loaded after the suite:" >&2
bpftool prog show | grep ' name kw_' >&2
exit 1
