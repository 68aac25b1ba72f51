# Shared by the bus integration tests (sourced, not run): a private
# deployment on loopback port BASE..BASE+4 under a temporary directory, a
# broker, pass/fail counting, and cleanup of everything started (trap EXIT).
set -u
XGC_BIN=${XGC_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
pass=0; fail=0; PIDS=""
TMP=$(mktemp -d /tmp/xgc-bus-test.XXXXXX)
CFG=$TMP/deploy.yaml
BROKER=""

bus_setup() {  # BASE-PORT
    cat > "$CFG" <<YAML
cluster: bustest
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$1
YAML
}

cleanup() {
    for p in $PIDS $BROKER; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
ko()   { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else ko "$name"; fi; }

# Start the broker (extra args passed on) and wait until it answers.
start_broker() {
    "$XGC_BIN/xgc-broker" -c "$CFG" "$@" 2>>"$TMP/broker.log" &
    BROKER=$!
    for _ in $(seq 50); do
        "$XGC_BIN/xgc" broker status -c "$CFG" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "broker did not start:"; cat "$TMP/broker.log"; return 1
}

# One field of `xgc broker status`.
status_field() {
    "$XGC_BIN/xgc" broker status -c "$CFG" 2>/dev/null | awk -v f="$1" '$1 == f {print $2}'
}

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
