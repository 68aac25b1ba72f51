#!/bin/sh
# Run the test suite and print one closing line "N passed, N failed".
#   tests/run.sh BUILD [unit|integration|all] [NAME-FILTER]
# Unit tests: every program in BUILD/asan/tests (ASan+UBSan build).
# Integration tests: every executable tests/integration/*.sh, run with
# XGC_BIN=BUILD/bin; each prints its own "N passed, N failed" line.
# A program that crashes or prints no closing line counts as one failure.
build=${1:-build}; what=${2:-all}; filter=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
logs="$build/test-logs"; mkdir -p "$logs"
total_pass=0; total_fail=0; total_skip=0

run_one() {  # name, command...
    name=$1; shift
    case "$name" in *"$filter"*) ;; *) return ;; esac
    log="$logs/$name.log"
    start=$(date +%s)
    timeout "${XGC_TEST_TIMEOUT:-900}" "$@" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
    s=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p')
    [ -z "$p" ] && p=0
    [ -z "$f" ] && f=0
    [ -z "$s" ] && s=0
    if [ -z "$line" ] || { [ "$rc" != 0 ] && [ "$f" = 0 ]; }; then
        f=$((f + 1)); line="no closing line or exit status $rc"
    fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
    if [ "$f" != 0 ]; then
        echo "FAIL $name (${secs}s): $line  — log: $log"; tail -20 "$log" | sed 's/^/    /'
    else
        echo "ok   $name (${secs}s): $line"
    fi
}

if [ "$what" = unit ] || [ "$what" = all ]; then
    for t in "$build"/asan/tests/*; do
        [ -x "$t" ] || continue
        run_one "unit-$(basename "$t")" "$t"
    done
fi
if [ "$what" = integration ] || [ "$what" = all ]; then
    for t in "$root"/tests/integration/*.sh; do
        [ -x "$t" ] || continue
        XGC_BIN="$root/$build/bin" XGC_ROOT="$root" run_one "int-$(basename "$t" .sh)" "$t"
    done
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
