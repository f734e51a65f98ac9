#!/usr/bin/env bash
# Re-generates fixtures/capture/host.kwcap: a small capture of real kernel events made on this machine
# (root needed), replayed by the main job where live tracing is not allowed. Records every capture
# source (exec, exit, flows) while a workload runs in pid and network namespaces and a cgroup of its
# own: exec and exit are filtered by its pid namespace, flows by its cgroup, so the capture holds the
# workload and nothing else of the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
kwire=(node packages/cli/bin/kwire.js)
out=${1:-fixtures/capture/host.kwcap}
mkdir -p "$(dirname "$out")"
cgroup_root=$(test -e /sys/fs/cgroup/unified/cgroup.procs && echo /sys/fs/cgroup/unified || echo /sys/fs/cgroup)
cgroup=$cgroup_root/kwire-fixture-$$
mkdir "$cgroup"
trap 'rmdir "$cgroup" 2>/dev/null || true' EXIT

# The workload: execs with spaces, UTF-8, empty and over-long (truncated) argv; exits with codes and
# signals; TCP, UDP and ICMP over the namespace's loopback for the flow source.
traffic=test/helpers/traffic.py
workload='stat -L -c %i /proc/self/ns/pid; read go
for i in $(seq 1 12); do /bin/true kwire-fixture "$i" "héllo wörld" ""; done
sh -c "exit 3"; sh -c "kill -TERM \$\$" 2>/dev/null || true
env FIXTURE=1 /bin/true kwire-fixture env
/bin/true kwire-fixture long $(seq 1 3000)
uname -r >/dev/null; ls / >/dev/null
ip link set lo up
/usr/bin/python3 '"$traffic"' tcp-server 7001 20000 >/dev/null & sleep 0.3
/usr/bin/python3 '"$traffic"' tcp-client 127.0.0.1 7001 10000 >/dev/null; wait
/usr/bin/python3 '"$traffic"' udp-server 7002 2 >/dev/null & sleep 0.3
/usr/bin/python3 '"$traffic"' udp-client 127.0.0.1 7002 100 200 >/dev/null; wait
(ping -c 2 -i 0.2 127.0.0.1 >/dev/null 2>&1 || true)'

# The workload joins the cgroup before it forks anything.
coproc NS { sh -c 'echo $$ > "$1/cgroup.procs"; exec unshare --pid --net --fork --mount-proc sh -c "$2"' sh "$cgroup" "$workload"; }
read -r pidns <&"${NS[0]}"
"${kwire[@]}" record -o "$out" --sources exec,exit,flow --pidns "$pidns" --cgroup "$cgroup" --duration 4 --stats &
recorder=$!
sleep 1.5
echo go >&"${NS[1]}"
wait "$recorder"
wait "${NS_PID:-}" 2>/dev/null || true
echo "fixture: $out ($(stat -c %s "$out") bytes); check: kwire replay $out --stats"
