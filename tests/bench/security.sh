#!/usr/bin/env bash
# What CURVE costs on the bus: the same broker workload, plaintext and with
# `security: {mode: curve}`, rounds interleaved in one run.
#   - durable writes: `xgc-bustest writes N 4` (4 writers, pipelined, acked);
#   - events: `xgc-bustest publish` N events of ~300 bytes flat out; a
#     subscriber (`xgc-bustest subscribe`) counts what arrives and the time
#     from its first to its last event: delivered events/s (the publisher
#     outruns the path, so some are dropped at its high-water mark).
# Prints one line per round and the median CURVE/plaintext ratios.
#   tests/bench/security.sh [BIN-DIR] [ROUNDS]
set -u
BIN=${1:-build/bin}; ROUNDS=${2:-3}
BIN=$(cd "$BIN" && pwd)
T=$(mktemp -d /tmp/xgc-secbench.XXXXXX)
BROKER=""
trap 'kill -9 $BROKER 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
WRITES=${WRITES:-20000}; EVENTS=${EVENTS:-50000}

deploy() {  # MODE -> $T/<mode>.yaml on fresh ports
    local port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    printf 'cluster: bench\ndata_dir: %s/data-%s\nbroker:\n  endpoint: tcp://127.0.0.1:%s\n' \
        "$T" "$1" "$port" > "$T/$1.yaml"
    [ "$1" = curve ] && printf 'security: {mode: curve, certs: certs}\n' >> "$T/$1.yaml"
    return 0
}
deploy curve
"$BIN/xgc" keygen -c "$T/curve.yaml" > /dev/null || exit 1

start_broker() {  # MODE: on fresh ports until it binds
    for _ in 1 2 3 4 5; do
        deploy "$1"
        rm -rf "$T/data-$1"
        "$BIN/xgc-broker" -c "$T/$1.yaml" 2> "$T/broker.log" &
        BROKER=$!
        for _ in $(seq 50); do
            kill -0 $BROKER 2>/dev/null || break
            grep -q "broker started" "$T/broker.log" && return 0
            sleep 0.1
        done
        kill -9 $BROKER 2>/dev/null; wait $BROKER 2>/dev/null
    done
    echo "broker did not start" >&2; return 1
}

run_round() {  # MODE -> "writes_per_s events_per_s received"
    start_broker "$1" || return 1
    local w e
    w=$(timeout 60 "$BIN/xgc-bustest" writes "$WRITES" 4 -c "$T/$1.yaml" | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p')
    timeout 60 "$BIN/xgc-bustest" subscribe metric. "$EVENTS" 5 -c "$T/$1.yaml" > "$T/sub.out" &
    local sub=$!
    sleep 0.5
    timeout 60 "$BIN/xgc-bustest" publish metric.vm.bench "$EVENTS" 0 300 -c "$T/$1.yaml" > /dev/null
    wait $sub
    e=$(awk '/received/ {printf "%.0f", $2 / $4}' "$T/sub.out")
    kill $BROKER; wait $BROKER 2>/dev/null; BROKER=""
    echo "${w:-0} ${e:-0} $(awk '/received/ {print $2}' "$T/sub.out")"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
: > "$T/ratios"
for r in $(seq "$ROUNDS"); do
    read -r pw pe pn < <(run_round plain)
    read -r cw ce cn < <(run_round curve)
    echo "round $r: writes/s plain $pw curve $cw; events/s plain $pe ($pn recv) curve $ce ($cn recv)"
    awk -v a="$cw" -v b="$pw" -v c="$ce" -v d="$pe" \
        'BEGIN {printf "%.3f %.3f\n", (b ? a / b : 0), (d ? c / d : 0)}' >> "$T/ratios"
done
echo "median curve/plain: writes $(cut -d' ' -f1 "$T/ratios" | median)," \
     "events $(cut -d' ' -f2 "$T/ratios" | median)  (WRITES=$WRITES EVENTS=$EVENTS, $ROUNDS rounds)"
