# Shared by the soak tests (sourced, not run): run `xgc soak` into a
# temporary directory with its own namespace tag, read its JSON report, and
# check what every soak must show. Cleanup (the soak's own --cleanup, then
# the directory) is guaranteed by a trap. Uses check_lib.sh's ok/ko.
. "$(dirname "$0")/check_lib.sh"
BIN=${XGC_BIN:-build/bin}
TAG=xgc$1$$                      # soak_lib.sh NAME: namespaces NAME<pid>-*
DIR=$(mktemp -d "/tmp/xgc-soak-$1.XXXXXX")
R="$DIR/report.json"
soak_cleanup() {
    "$BIN/xgc" soak --cleanup --tag "$TAG" --dir "$DIR/run" > /dev/null 2>&1
    rm -rf "$DIR"
}
trap soak_cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null || ! ip netns list > /dev/null 2>&1; then
    echo "skip: needs root and ip netns"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

# soak_run ARGS...: the soak, bounded; sets rc
soak_run() {
    timeout 400 "$BIN/xgc" soak --tag "$TAG" --dir "$DIR/run" --json "$@" > "$R" 2> "$DIR/soak.err"
    rc=$?
}

# jq EXPR: a Python expression over the report r
jq() { python3 -c "import json,sys; r=json.load(open('$R')); print($1)" 2>/dev/null; }

# The checks of every soak: the report, no violation, exit 0, convergence
# after every fault, the ledger, and nothing left behind.
soak_checks() {
    [ -s "$R" ] && ok "report written (exit $rc)" || { ko "report written (exit $rc)"; cat "$DIR/soak.err"; }
    v=$(jq 'len(r["violations"])')
    if [ "$v" = 0 ]; then ok "0 invariant violations"; else
        ko "0 invariant violations (got $v)"; jq '"\n".join(r["violations"])'; fi
    [ "$rc" = 0 ] && ok "exit status 0" || ko "exit status 0 (got $rc)"
    to=$(jq 'r["convergence"]["timed_out"]')
    [ "$to" = 0 ] && ok "every fault followed by convergence ($(jq 'r["convergence"]'))" \
                  || ko "every fault followed by convergence (timed out: $to)"
    checks=$(jq 'r["messages"]["ledger_checks"]')
    [ "${checks:-0}" -ge 2 ] && ok "ledger verified after the broker restart and at the end ($checks checks, $(jq 'r["messages"]["ledger_acked"]') acked writes)" \
                             || ko "ledger verified after the broker restart and at the end ($checks)"
    [ "$(jq 'r["messages"]["ledger_lost"]')" = 0 ] && ok "no acknowledged write lost" || ko "no acknowledged write lost"
}

# soak_kinds KIND...: these fault kinds were injected
soak_kinds() {
    for k in "$@"; do
        n=$(jq "r['faults_by_kind'].get('$k', 0)")
        [ "${n:-0}" -ge 1 ] && ok "fault $k injected ($n)" || ko "fault $k injected"
    done
}

# soak_end: nothing left behind; the closing line and exit status
soak_end() {
    left=$(ip netns list | grep -c "^$TAG-")
    [ "$left" = 0 ] && ok "namespaces removed" || ko "namespaces removed ($left left)"
    procs=0
    for f in "$DIR"/run/run/*.pid; do [ -e "$f" ] && procs=$((procs + 1)); done
    [ "$procs" = 0 ] && ok "processes stopped (no pid file left)" || ko "processes stopped ($procs pid files left)"
    [ "$fail" = 0 ] || { echo "--- soak stderr"; tail -40 "$DIR/soak.err"; }
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
