#!/bin/sh
# make bench (bus part): starts a broker on 5 free loopback ports with a
# scratch data_dir, then measures, in the same run:
#   - events/s through the broker vs direct PUB->SUB (ratio),
#   - acknowledged durable writes/s with 1, 4 and 8 writers in flight,
#   - broker memory per million keys.
# Figures are printed; docs/benchmarks/bus.md records a run.
set -u
BIN=${1:-build/bin}
TMP=$(mktemp -d /tmp/xgc-bench-bus.XXXXXX)
C="-c $TMP/deploy.yaml"
BROKER=""
trap 'kill $BROKER 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

# A broker on a random base port (another one if those are taken).
start_broker() {
    for _ in 1 2 3 4 5; do
        cat > "$TMP/deploy.yaml" <<YAML
cluster: benchbus
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
YAML
        "$BIN/xgc-broker" $C 2> "$TMP/broker.log" &
        BROKER=$!
        for _ in $(seq 50); do
            grep -q "broker started" "$TMP/broker.log" && return 0
            kill -0 $BROKER 2>/dev/null || break
            sleep 0.1
        done
        kill $BROKER 2>/dev/null; wait $BROKER 2>/dev/null
    done
    echo "bench: the broker does not start"; cat "$TMP/broker.log"; exit 1
}
start_broker
echo "== bus benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
"$BIN/xgc-bustest" $C bench-events 500000 7
for w in 1 4 8; do
    printf "writes, %d writer(s): " $w
    "$BIN/xgc-bustest" $C writes 200000 $w
done
"$BIN/xgc" broker status $C | grep -E "^(syncs|max_batch|writes) "
kill $BROKER; wait $BROKER 2>/dev/null
rm -rf "$TMP/data"
start_broker
XGC_BROKER_PID=$BROKER "$BIN/xgc-bustest" $C bench-memory 1000000
