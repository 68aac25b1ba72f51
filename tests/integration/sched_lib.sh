# Shared by the scheduler's integration tests (sourced, not run): a private
# deployment file under a temporary directory, pass/fail counting, and
# `xgc down` + removal of everything at exit.
set -u
XGC_BIN=${XGC_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
X="$XGC_BIN/xgc"
TMP=$(mktemp -d /tmp/xgc-sched-test.XXXXXX)
CFG=$TMP/deploy.yaml
cleanup() {
    [ -n "${TAIL:-}" ] && kill "$TAIL" 2>/dev/null
    "$X" down -c "$CFG" --timeout 3 >/dev/null 2>&1
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
. "$(dirname "$0")/check_lib.sh"
none_left() { ! pgrep -f "$CFG" >/dev/null; }
wait_for() {  # SECONDS COMMAND...: until the command succeeds
    s=$1; shift
    for _ in $(seq $((s * 5))); do "$@" && return 0; sleep 0.2; done
    return 1
}
