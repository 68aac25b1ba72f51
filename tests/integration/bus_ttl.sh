#!/bin/sh
# A TTL key expires at its time and its delete is published (to watching
# clients and to `xgc tail`).
. "$(dirname "$0")/bus_lib.sh"
bus_setup
start_broker || { ko "broker starts"; finish; exit 1; }
"$XGC_BIN/xgc" tail -c "$CFG" --json ttl/ -n 2 > "$TMP/tail.out" 2>&1 &
TAIL=$!; PIDS="$PIDS $TAIL"
sleep 0.5
out=$("$XGC_BIN/xgc-bustest" -c "$CFG" ttl ttl/heartbeat 700)
check "watching client sees the delete after the TTL ($out)" [ $? = 0 ]
for _ in $(seq 30); do grep -q '"op":"del"' "$TMP/tail.out" && break; sleep 0.1; done
check "tail shows the set then the delete" grep -q '"key":"ttl/heartbeat","op":"del"' "$TMP/tail.out"
"$XGC_BIN/xgc" get -c "$CFG" ttl/heartbeat > /dev/null 2>&1
check "the key is gone" [ $? = 1 ]
"$XGC_BIN/xgc" set -c "$CFG" ttl/short '{v: 1}' --ttl 300
sleep 0.8
check "xgc set --ttl expires too" [ "$("$XGC_BIN/xgc" ls -c "$CFG" ttl/ | wc -l)" = 0 ]
check "broker counted the expiries" [ "$(status_field expired)" = 2 ]
finish
