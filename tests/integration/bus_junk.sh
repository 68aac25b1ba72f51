#!/bin/sh
# Malformed, oversized and unknown frames on every broker socket are dropped
# and counted; the broker keeps serving everyone else.
. "$(dirname "$0")/bus_lib.sh"
bus_setup
start_broker || { ko "broker starts"; finish; exit 1; }
"$XGC_BIN/xgc" set -c "$CFG" good/before '{v: 1}'
"$XGC_BIN/xgc-bustest" -c "$CFG" subscribe metric. 3 10 > "$TMP/sub.out" 2>&1 &
SUB=$!; PIDS="$PIDS $SUB"
sleep 0.5
"$XGC_BIN/xgc-bustest" -c "$CFG" junk > "$TMP/junk.out" 2>&1
check "junk sent ($(cat "$TMP/junk.out"))" [ $? = 0 ]
"$XGC_BIN/xgc-bustest" -c "$CFG" publish metric.ok 3 0 > /dev/null
wait $SUB
check "subscriber still gets good events ($(cat "$TMP/sub.out" | tail -1))" \
    grep -q "received 3 " "$TMP/sub.out"
"$XGC_BIN/xgc" set -c "$CFG" good/after '{v: 2}'
check "writes still acknowledged" [ $? = 0 ]
check "reads still served" [ "$("$XGC_BIN/xgc" get -c "$CFG" good/after)" = '{"v":2}' ]
check "4 malformed events counted" [ "$(status_field events_dropped)" = 4 ]
check "5 malformed state requests counted" [ "$(status_field state_dropped)" = 5 ]
check "dropped_frames is their sum" [ "$(status_field dropped_frames)" = 9 ]
check "drops were logged" grep -q "dropped" "$BROKER_LOG"
finish
