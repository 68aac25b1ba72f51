#!/usr/bin/env bash
# The unit-test programs of the normal build (build/tests/test_*) under
# valgrind memcheck: they reach error paths and library code the daemon
# scenario (run.sh) does not. A program fails on a memcheck error or a
# definite/indirect leak (valgrind's exit status 99) or on its own failure.
#   tests/valgrind/units.sh [TESTS-DIR] [NAME-FILTER]   (make valgrind)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-$HERE/../../build/tests}
FILTER=${2:-}
LOG=$(mktemp -d /tmp/xgc-valgrind-units.XXXXXX)
trap 'rm -rf "$LOG"' EXIT
pass=0; fail=0
for t in "$DIR"/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    case "$n" in *"$FILTER"*) ;; *) continue ;; esac
    start=$(date +%s)
    timeout "${VG_UNIT_TIMEOUT:-600}" valgrind -q --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --error-exitcode=99 --suppressions="$HERE/xgc.supp" \
        --log-file="$LOG/$n.vg" "$t" > "$LOG/$n.out" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    if [ $rc = 0 ]; then
        pass=$((pass + 1)); echo "ok   $n (${secs}s)"
    else
        fail=$((fail + 1)); echo "FAIL $n (${secs}s): exit status $rc"
        tail -5 "$LOG/$n.out" | sed 's/^/    /'
        sed 's/^/    /' "$LOG/$n.vg" | head -60
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
