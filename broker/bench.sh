#!/bin/sh
# make bench (bus part): starts a broker on loopback ports 17790..17794 with
# a scratch data_dir, then measures, in the same run:
#   - events/s through the broker vs direct PUB->SUB (ratio),
#   - acknowledged durable writes/s with 1, 4 and 8 writers in flight,
#   - broker memory per million keys.
# Figures are printed; docs/benchmarks/bus.md records a run.
set -u
BIN=${1:-build/bin}
TMP=$(mktemp -d /tmp/xgc-bench-bus.XXXXXX)
cat > "$TMP/deploy.yaml" <<YAML
cluster: benchbus
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:17790
YAML
C="-c $TMP/deploy.yaml"
"$BIN/xgc-broker" $C 2> "$TMP/broker.log" &
BROKER=$!
trap 'kill $BROKER 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
sleep 0.5
echo "== bus benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
"$BIN/xgc-bustest" $C bench-events 500000 5
for w in 1 4 8; do
    printf "writes, %d writer(s): " $w
    "$BIN/xgc-bustest" $C writes 200000 $w
done
"$BIN/xgc" broker status $C | grep -E "^(syncs|max_batch|writes) "
kill $BROKER; wait $BROKER 2>/dev/null
rm -rf "$TMP/data"
"$BIN/xgc-broker" $C 2> "$TMP/broker.log" &
BROKER=$!
sleep 0.5
XGC_BROKER_PID=$BROKER "$BIN/xgc-bustest" $C bench-memory 1000000
