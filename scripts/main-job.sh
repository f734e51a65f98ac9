#!/usr/bin/env bash
# The main job: kwire exec, live, for a few seconds over a small generated workload.
set -uo pipefail
cd "$(dirname "$0")/.."
kwire=(node packages/cli/bin/kwire.js)

echo "main job: live exec tracing for 3 s while a small workload runs (kwire exec --duration 3 --stats)"
( sleep 0.7; for i in $(seq 1 20); do /bin/true "workload-$i" "héllo wörld" ""; sh -c 'exit 0'; done ) &
"${kwire[@]}" exec --duration 3 --stats
status=$?
wait
if [ $status -eq 77 ]; then
  echo "main job: live tracing is not allowed here (see the message above)." >&2
fi
exit $status
