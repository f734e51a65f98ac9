#!/usr/bin/env bash
# The addon under valgrind memcheck: a short live exec run (test/helpers/valgrind-exec.mjs: subscribe,
# wait for a record, unsubscribe, over ringbuf and perf, CYCLES times; a full GC before exit so that
# memory owned by collected JS objects is not reported), then FdReader cycles over a file and a FIFO
# (test/helpers/valgrind-fd.mjs), then proc connector sockets read by an FdReader (valgrind-proc.mjs).
# Exits non-zero on any invalid access or use of uninitialised memory not in scripts/valgrind.supp
# (libbpf's and V8's known noise) and on any definite leak. Not part of `make test`: it takes about 15 s
# a cycle under valgrind here.
# Usage (root, after make build): scripts/valgrind-addon.sh [CYCLES=3]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind-addon: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
status=0
for script in valgrind-exec.mjs valgrind-fd.mjs valgrind-proc.mjs; do
  log=$(mktemp /tmp/kwire-valgrind.XXXXXX.log)
  run=0
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions=scripts/valgrind.supp --num-callers=30 --error-exitcode=99 --log-file="$log" \
    node --expose-gc "test/helpers/$script" "${1:-3}" || run=$?
  grep -E 'ERROR SUMMARY|definitely lost|Invalid (read|write|free)' "$log" | sed "s/^==[0-9]*== /$script: /"
  if [ "$run" -ne 0 ]; then
    echo "valgrind-addon: $script failed (status $run); full log: $log" >&2
    status=1
  else
    rm -f "$log"
  fi
done
[ "$status" -eq 0 ] || exit 1
echo "valgrind-addon: no invalid access, no uninitialised use, no definite leak"
