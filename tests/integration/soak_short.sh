#!/bin/sh
# The short soak (≈ 2.5 minutes): 5 pmds in their own network namespaces,
# the broker and two schedulers in another, load from xgc inject, every kind
# of fault on the seeded schedule, the invariants checked continuously.
# Passes when the report shows 0 violations, every fault kind injected and
# every fault followed by convergence; see docs/soak.md.
BIN=${XGC_BIN:-build/bin}
TAG=xgcst$$
DIR=$(mktemp -d /tmp/xgc-soak-short.XXXXXX)
passed=0; failed=0; skipped=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
cleanup() {
    "$BIN/xgc" soak --cleanup --tag "$TAG" --dir "$DIR/run" > /dev/null 2>&1
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null || ! ip netns list > /dev/null 2>&1; then
    echo "skip: needs root and ip netns"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

# --gap 6: faults close together so that a short run sees every kind.
timeout 400 "$BIN/xgc" soak --duration 150s --pmds 5 --seed 3 --gap 6 --tag "$TAG" \
    --dir "$DIR/run" --json > "$DIR/report.json" 2> "$DIR/soak.err"
rc=$?
R="$DIR/report.json"
jq() { python3 -c "import json,sys; r=json.load(open('$R')); print($1)" 2>/dev/null; }

[ -s "$R" ] && ok "report written (exit $rc)" || { ko "report written (exit $rc)"; cat "$DIR/soak.err"; }
v=$(jq 'len(r["violations"])')
if [ "$v" = 0 ]; then ok "0 invariant violations"; else
    ko "0 invariant violations (got $v)"; jq '"\n".join(r["violations"])'; fi
[ "$rc" = 0 ] && ok "exit status 0" || ko "exit status 0 (got $rc)"
kinds=$(jq 'len(r["faults_by_kind"])')
[ "$kinds" = 8 ] && ok "all 8 fault kinds injected" || ko "all 8 fault kinds injected (got $kinds: $(jq 'sorted(r["faults_by_kind"])'))"
to=$(jq 'r["convergence"]["timed_out"]')
[ "$to" = 0 ] && ok "every fault followed by convergence ($(jq 'r["convergence"]'))" \
              || ko "every fault followed by convergence (timed out: $to)"
checks=$(jq 'r["messages"]["ledger_checks"]')
[ "${checks:-0}" -ge 2 ] && ok "ledger verified after the broker restart and at the end ($checks checks, $(jq 'r["messages"]["ledger_acked"]') acked writes)" \
                         || ko "ledger verified after the broker restart and at the end ($checks)"
[ "$(jq 'r["messages"]["ledger_lost"]')" = 0 ] && ok "no acknowledged write lost" || ko "no acknowledged write lost"
left=$(ip netns list | grep -c "^$TAG-")
[ "$left" = 0 ] && ok "namespaces removed" || ko "namespaces removed ($left left)"
procs=0
for f in "$DIR"/run/run/*.pid; do [ -e "$f" ] && procs=$((procs + 1)); done
[ "$procs" = 0 ] && ok "processes stopped (no pid file left)" || ko "processes stopped ($procs pid files left)"
[ "$failed" = 0 ] || { echo "--- soak stderr"; tail -40 "$DIR/soak.err"; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
