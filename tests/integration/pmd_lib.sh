# Shared by the pmd_*.sh and vmd_*.sh integration tests (sourced, not run):
# a temporary directory, a random broker port, a deployment file, process
# bookkeeping with cleanup on exit, ok/bad counters, and the broker.
#   xgc_test_setup NAME  -> $T, $PORT, $T/x.yaml (cluster + data_dir + broker)
#   start_broker         -> after appending any pms: to $T/x.yaml
#   X CMD ARGS...        -> xgc CMD -c $T/x.yaml ARGS...
BIN=${XGC_BIN:-build/bin}
PIDS=()
pass=0; fail=0; skip=0

xgc_test_cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    if [ -n "${XGC_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}

xgc_test_setup() {
    T=$(mktemp -d "/tmp/xgc-$1.XXXXXX")
    PORT=$((20000 + (RANDOM % 3000) * 5))
    trap xgc_test_cleanup EXIT
    cat > "$T/x.yaml" <<YAML
cluster: $1
data_dir: $T/data
broker:
  endpoint: tcp://127.0.0.1:$PORT
YAML
}

start_broker() {
    "$BIN/xgc-broker" -c "$T/x.yaml" > "$T/broker.log" 2>&1 &
    PIDS+=($!)
    sleep 0.3
}

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
X() { local c=$1; shift; "$BIN/xgc" "$c" -c "$T/x.yaml" "$@"; }
kill9() { kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
xgc_test_end() {
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" = 0 ]
}
