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

# The random port may be taken (another test, another program): then every
# later command would wait for a broker that is not there until the test's
# timeout. So wait until the broker listens, and move to another port if
# it could not bind.
start_broker() {
    local b old
    for _ in 1 2 3 4 5; do
        "$BIN/xgc-broker" -c "$T/x.yaml" > "$T/broker.log" 2>&1 &
        b=$!
        for _ in $(seq $(( 50 * ${XGC_TEST_SLACK:-3} ))); do
            ss -ltnp 2>/dev/null | grep "127.0.0.1:$PORT " | grep -q "pid=$b," && break
            kill -0 $b 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 $b 2>/dev/null; then PIDS+=($b); return 0; fi
        wait $b 2>/dev/null
        old=$PORT
        PORT=$((20000 + (RANDOM % 3000) * 5))
        sed -i "s#tcp://127.0.0.1:$old\$#tcp://127.0.0.1:$PORT#" "$T/x.yaml"
    done
    echo "broker did not start: $(cat "$T/broker.log")"
    return 1
}

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
X() { local c=$1; shift; "$BIN/xgc" "$c" -c "$T/x.yaml" "$@"; }
kill9() { kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
xgc_test_end() {
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" = 0 ]
}

# --- for tests with sim pmds (state dirs $T/data/pmd-<host>) -----------------
# state VM HOST: the state pmd HOST reports for VM on the blackboard ("" if none)
state() { X get "pm/$2/vm/$1" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p'; }
# wait_for N CMD: up to N tenths of a second, times XGC_TEST_SLACK (default 3)
# so that a loaded machine (CI, parallel builds) does not turn into failures;
# a passing check returns as soon as it holds.
wait_for() {
    for _ in $(seq $(( $1 * ${XGC_TEST_SLACK:-3} ))); do eval "$2" && return 0; sleep 0.1; done
    return 1
}
# The domains of every sim hypervisor, "path:dom line" each, as they all were
# at one instant. Each pmd replaces its state file atomically, but reading
# three files is three moments: a VM moving between them could be seen on
# both or on neither. So read them all twice until two reads agree: every
# file then held the same content from its first read to its second, and
# these intervals overlap (the last first read comes before the first second
# read), so there is an instant where all of them held what was read. A read
# that failed (grep status 2: a file it could not open) is no read at all:
# it would look like "on no hypervisor".
s_sim_read() { grep -H "^dom " "$T"/data/pmd-*/sim-*.state 2>/dev/null; [ $? -lt 2 ]; }
sim_doms() {
    local a b
    a=$(s_sim_read) || a="(failed)"
    for _ in $(seq 100); do
        b=$(s_sim_read) || b="(failed)"
        [ "$a" = "$b" ] && [ "$b" != "(failed)" ] && break
        a=$b
    done
    printf '%s\n' "$b"
}
# How many sim hypervisors run VM / have it in any state, from one snapshot
# ($2: a snapshot from sim_doms, taken now if not given).
holders() { printf '%s\n' "${2-$(sim_doms)}" | grep ":dom $1 running " | cut -d: -f1 | sort -u | wc -l; }
present() { printf '%s\n' "${2-$(sim_doms)}" | grep ":dom $1 " | cut -d: -f1 | sort -u | wc -l; }
