#!/usr/bin/env bash
# Re-generates fixtures/capture/host.kwcap: a small capture of real kernel events made on this machine
# (root needed), replayed by the main job where live tracing is not allowed. Records every capture
# source kwire has (kwire record's default) while a workload runs in a pid namespace of its own, so
# the capture holds the workload and nothing else of the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
kwire=(node packages/cli/bin/kwire.js)
out=${1:-fixtures/capture/host.kwcap}
mkdir -p "$(dirname "$out")"

# The workload: execs with spaces, UTF-8, empty and over-long (truncated) argv; exits with codes and
# signals; loopback traffic for the flow source.
workload='stat -L -c %i /proc/self/ns/pid; read go
for i in $(seq 1 12); do /bin/true kwire-fixture "$i" "héllo wörld" ""; done
sh -c "exit 3"; sh -c "kill -TERM \$\$" 2>/dev/null || true
env FIXTURE=1 /bin/true kwire-fixture env
/bin/true kwire-fixture long $(seq 1 3000)
uname -r >/dev/null; ls / >/dev/null
(ping -c 2 -i 0.2 127.0.0.1 >/dev/null 2>&1 || true)'

coproc NS { unshare --pid --fork --mount-proc sh -c "$workload"; }
read -r pidns <&"${NS[0]}"
"${kwire[@]}" record -o "$out" --pidns "$pidns" --duration 3 --stats &
recorder=$!
sleep 1
echo go >&"${NS[1]}"
wait "$recorder"
wait "${NS_PID:-}" 2>/dev/null || true
echo "fixture: $out ($(stat -c %s "$out") bytes); check: kwire replay $out --stats"
