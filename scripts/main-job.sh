#!/usr/bin/env bash
# The main job: kwire exec, live, for a few seconds over a small generated workload. Where BPF tracing
# is not allowed (missing capabilities, no BPF) but CAP_NET_ADMIN is, it traces exec and exit events
# live with the netlink proc connector (kwire proc); where neither is, it replays the bundled capture of
# real kernel events instead. It says which it did and why.
set -uo pipefail
cd "$(dirname "$0")/.."
kwire=(node packages/cli/bin/kwire.js)
fixture=fixtures/capture/host.kwcap

echo "main job: live exec tracing for 3 s while a small workload runs (kwire exec --duration 3 --stats)"
( sleep 0.7; for i in $(seq 1 20); do /bin/true "workload-$i" "héllo wörld" ""; sh -c 'exit 0'; done ) &
err=$(mktemp)
"${kwire[@]}" exec --duration 3 --stats 2>"$err"
status=$?
wait
cat "$err" >&2
# 77: a missing privilege; ENOTSUP_KERNEL / ENATIVE: the kernel would not load or attach BPF.
if [ $status -eq 77 ] || { [ $status -ne 0 ] && grep -qE '\[(ENOTSUP_KERNEL|ENATIVE)\]' "$err"; }; then
  reason=$(grep -m1 '^kwire exec: ' "$err" | sed -e 's/^kwire exec: //')
  echo "main job: live tracing is not allowed here: ${reason:-exit status $status}"
  # No BPF, but maybe CAP_NET_ADMIN: the netlink proc connector still gives exec and exit events live.
  echo "main job: trying the netlink proc connector instead, which needs only CAP_NET_ADMIN (kwire proc --events exec,exit --duration 3 --stats)"
  ( sleep 0.7; for i in $(seq 1 20); do /bin/true "workload-$i" "héllo wörld" ""; sh -c 'exit 0'; done ) &
  "${kwire[@]}" proc --events exec,exit --duration 3 --stats 2>"$err"
  pstatus=$?
  wait
  cat "$err" >&2
  if [ $pstatus -eq 0 ]; then
    echo "main job: did LIVE tracing with the netlink proc connector, without BPF (exit status 0), because BPF was refused: ${reason:-exit status $status}"
    rm -f "$err"
    exit 0
  fi
  preason=$(grep -m1 '^kwire proc: ' "$err" | sed -e 's/^kwire proc: //')
  echo "main job: the proc connector is not allowed either: ${preason:-exit status $pstatus}"
  echo "main job: replaying the bundled capture $fixture instead (real exec, exit and flow events recorded by scripts/make-fixture-capture.sh): kwire replay $fixture --stats"
  "${kwire[@]}" replay "$fixture" --stats
  status=$?
  echo "main job: did a REPLAY of $fixture (exit status $status), because live tracing was refused: ${reason:-exit status 77}; proc connector: ${preason:-exit status $pstatus}"
elif [ $status -eq 0 ]; then
  echo "main job: did LIVE tracing (exit status 0): this process could load and attach BPF programs, so the events above are this machine's, now"
else
  echo "main job: live tracing failed (exit status $status) for a reason other than privileges or kernel support; see the message above"
fi
rm -f "$err"
exit $status
