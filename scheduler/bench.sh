#!/bin/sh
# The scheduler's benchmarks (`make bench`; figures in docs/benchmarks/scheduler.md):
#  1. latency from a VM's spec written to its create command reaching the
#     PMs' side, with P fake PMs and V VMs arriving at R per second;
#  2. the scheduler's CPU use while V VMs report metrics every 5 s.
# A private broker + scheduler on loopback; fake PMs (registered keys) stand
# in for pmd processes. Sizes: XGC_BENCH_PMS (1000), XGC_BENCH_VMS (10000),
# XGC_BENCH_RATE (500, then XGC_BENCH_RATE2: 100), XGC_BENCH_METRIC_VMS (100000),
# XGC_BENCH_SECONDS (30).
set -u
bin=${1:-build/bin}
P=${XGC_BENCH_PMS:-1000}; V=${XGC_BENCH_VMS:-10000}; R=${XGC_BENCH_RATE:-500}
MV=${XGC_BENCH_METRIC_VMS:-100000}; D=${XGC_BENCH_SECONDS:-30}
TMP=$(mktemp -d /tmp/xgc-sched-bench.XXXXXX)
BASE=$((26000 + ($$ % 1000) * 5))
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

start() {  # fresh broker + scheduler
    for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; PIDS=""
    rm -rf "$TMP/data"
    cat > "$TMP/bench.yaml" <<YAML
cluster: bench
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$BASE
scheduler:
  debounce_ms: 5
  optimise_interval_ms: 60000
YAML
    "$bin/xgc-broker" -c "$TMP/bench.yaml" 2>"$TMP/broker.log" & PIDS="$PIDS $!"
    sleep 0.5
    "$bin/xgc-scheduler" -c "$TMP/bench.yaml" 2>"$TMP/scheduler.log" & SCHED=$!; PIDS="$PIDS $SCHED"
    sleep 0.5
}

rounds() {  # the scheduler's own round times (its log)
    grep -o ' ms=[0-9.]*' "$TMP/scheduler.log" | cut -d= -f2 | sort -n | awk '
        { v[NR] = $1 } END { if (NR) printf "    %d rounds: median %.2f ms, p99 %.2f ms, max %.2f ms\n",
                             NR, v[int(NR / 2) + 1], v[int(NR * 0.99) + 1], v[NR] }'
}

for rate in $R ${XGC_BENCH_RATE2:-100}; do
    echo "== scheduler latency: $P PMs, $V VMs at $rate/s (xgc-schedbench latency)"
    start
    "$bin/xgc-schedbench" -c "$TMP/bench.yaml" latency --pms "$P" --vms "$V" --rate "$rate"
    rounds
done
echo "== scheduler CPU: $MV VMs reporting every 5 s for $D s (xgc-schedbench metrics)"
start
"$bin/xgc-schedbench" -c "$TMP/bench.yaml" metrics --pid "$SCHED" --pms "$P" --vms "$MV" \
    --period-s 5 --duration-s "$D"
rounds
exit 0
