# Shared by the bus integration tests (sourced, not run): a private
# deployment on loopback ports BASE..BASE+4 under a temporary directory, a
# broker, pass/fail counting, and cleanup of everything started (trap EXIT).
# BASE is random in 20000..59999 and changed until the broker can bind it, so
# that test runs of several worktrees at once do not meet.
set -u
XGC_BIN=${XGC_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
PIDS=""
TMP=$(mktemp -d /tmp/xgc-bus-test.XXXXXX)
CFG=$TMP/deploy.yaml
BROKER=""

bus_setup() {  # [BASE-PORT]
    BASE=${1:-$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))}
    cat > "$CFG" <<YAML
cluster: bustest
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$BASE
YAML
}

cleanup() {
    for p in $PIDS $BROKER; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

. "$(dirname "$0")/check_lib.sh"

# Start the broker (extra args passed on) and wait until it answers; if it
# cannot bind its ports (another test run has them), move to other ports,
# unless the test already has clients on these ones (KEEP_PORTS=1).
STARTS=0
start_broker() {
    for _ in 1 2 3 4 5; do
        STARTS=$((STARTS + 1)); BROKER_LOG="$TMP/broker.$STARTS.log"
        "$XGC_BIN/xgc-broker" -c "$CFG" "$@" 2>"$BROKER_LOG" &
        BROKER=$!
        for _ in $(seq 50); do       # our broker's own "started" line
            kill -0 "$BROKER" 2>/dev/null || break
            grep -q "broker started" "$BROKER_LOG" && return 0
            sleep 0.1
        done
        kill -9 "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null
        [ "${KEEP_PORTS:-0}" = 1 ] && sleep 1 && continue
        bus_setup
    done
    echo "broker did not start:"; cat "$BROKER_LOG"; return 1
}

# One field of `xgc broker status`.
status_field() {
    "$XGC_BIN/xgc" broker status -c "$CFG" 2>/dev/null | awk -v f="$1" '$1 == f {print $2}'
}

finish() {
    if [ "$fail" != 0 ] && [ -s "${BROKER_LOG:-/dev/null}" ]; then
        echo "--- broker log (last 20 lines)"; tail -20 "$BROKER_LOG"
    fi
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
