#!/bin/sh
# xgc get / set / del / ls / broker status, and bad input: a clear error,
# exit status 2, nothing written.
. "$(dirname "$0")/bus_lib.sh"
bus_setup
X="$XGC_BIN/xgc"
start_broker || { ko "broker starts"; finish; exit 1; }
check "set YAML" "$X" set -c "$CFG" vm/web1/spec '{v: 1, name: web1, min_mhz: 500, max_mhz: 2000, mem_mb: 512}'
check "set JSON" "$X" set -c "$CFG" misc/a '{"v": 1, "list": [1, 2]}'
check "get" [ "$("$X" get -c "$CFG" misc/a)" = '{"v":1,"list":[1,2]}' ]
check "get --json" [ "$("$X" get -c "$CFG" misc/a --json)" = '{"key":"misc/a","seq":2,"value":{"v":1,"list":[1,2]}}' ]
check "ls prefix" [ "$("$X" ls -c "$CFG" misc/ | wc -l)" = 1 ]
check "ls all --json" [ "$("$X" ls -c "$CFG" --json | grep -c '"key"')" = 2 ]
"$X" get -c "$CFG" misc/none 2> "$TMP/err"
check "get of a missing key: exit 1" [ $? = 1 ] && grep -q "no such key" "$TMP/err"
check "del" "$X" del -c "$CFG" misc/a
check "gone after del" [ "$("$X" ls -c "$CFG" misc/ | wc -l)" = 0 ]
for bad in "bad key|{v: 1}" "\$sys|{v: 1}" "k|[1, 2]" "k|{a: [1, 2}" "k|42" "vm/x/spec|{v: 1, name: x}"; do
    key=${bad%%|*}; val=${bad#*|}
    "$X" set -c "$CFG" "$key" "$val" 2> "$TMP/err"
    check "set '$key' '$val': exit 2 ($(head -1 "$TMP/err"))" [ $? = 2 ] && [ -s "$TMP/err" ]
done
"$X" set -c "$CFG" k '{v: 1}' --ttl -5 2>/dev/null
check "set --ttl -5: exit 2" [ $? = 2 ]
"$X" get -c "$CFG" 2>/dev/null
check "get without KEY: exit 2" [ $? = 2 ]
check "nothing written by bad input" [ "$("$X" ls -c "$CFG" | wc -l)" = 1 ]
"$X" broker status -c "$CFG" > "$TMP/status"
check "broker status lists uptime, keys, seq, epoch, clients, dropped frames" \
    grep -q "^uptime_s" "$TMP/status" && grep -q "^keys  *1$" "$TMP/status" && \
    grep -q "^seq" "$TMP/status" && grep -q "^epoch" "$TMP/status" && \
    grep -q "^clients" "$TMP/status" && grep -q "^dropped_frames" "$TMP/status"
check "broker status --json" sh -c "'$X' broker status -c '$CFG' --json | grep -q '\"epoch\":'"
kill "$BROKER"; wait "$BROKER" 2>/dev/null
"$X" get -c "$CFG" vm/web1/spec 2> "$TMP/err"
check "no broker: exit 1 with a message ($(cat "$TMP/err"))" [ $? = 1 ] && grep -q "no answer" "$TMP/err"
finish
