#!/usr/bin/env bash
# The addon under valgrind memcheck: a short live exec run (test/helpers/valgrind-exec.mjs: subscribe,
# wait for a record, unsubscribe, over ringbuf and perf, CYCLES times; a full GC before exit so that
# memory owned by collected JS objects is not reported). Exits non-zero on any invalid access or use of
# uninitialised memory not in scripts/valgrind.supp (libbpf's and V8's known noise) and on any
# definite leak. Not part of `make test`: it takes about 15 s a cycle under valgrind here.
# Usage (root, after make build): scripts/valgrind-addon.sh [CYCLES=3]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind-addon: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
log=$(mktemp /tmp/kwire-valgrind.XXXXXX.log)
status=0
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --suppressions=scripts/valgrind.supp --num-callers=30 --error-exitcode=99 --log-file="$log" \
  node --expose-gc test/helpers/valgrind-exec.mjs "${1:-3}" || status=$?
grep -E 'ERROR SUMMARY|definitely lost|Invalid (read|write|free)' "$log" | sed 's/^==[0-9]*== //'
if [ "$status" -ne 0 ]; then
  echo "valgrind-addon: failed (status $status); full log: $log" >&2
  exit 1
fi
rm -f "$log"
echo "valgrind-addon: no invalid access, no uninitialised use, no definite leak"
