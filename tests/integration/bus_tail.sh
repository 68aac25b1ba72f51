#!/bin/sh
# xgc tail: state changes and events, prefixes, --snapshot, -n, --exclude,
# --where, --json fields; a second broker on the same data_dir is refused.
. "$(dirname "$0")/bus_lib.sh"
bus_setup
X="$XGC_BIN/xgc"
start_broker || { ko "broker starts"; finish; exit 1; }
"$X" set -c "$CFG" t/a '{v: 1, host: pm1}'
"$X" set -c "$CFG" t/b '{v: 1, host: pm2}'
"$X" set -c "$CFG" u/c '{v: 1, host: pm1}'

"$X" tail -c "$CFG" --snapshot -n 2 t/ > "$TMP/snap.out" 2>&1
check "--snapshot -n 2 t/: the two t/ keys, then stops" \
    [ "$(grep -c ' set  *t/' "$TMP/snap.out")" = 2 ] && [ "$(wc -l < "$TMP/snap.out")" = 2 ]
"$X" tail -c "$CFG" --snapshot -n 1 --where host=pm1 --exclude t/ > "$TMP/where.out" 2>&1
check "--where host=pm1 --exclude t/: only u/c" grep -q "u/c" "$TMP/where.out"

"$X" tail -c "$CFG" --json -n 3 t/ metric. > "$TMP/follow.out" 2>&1 &
TAIL=$!; PIDS="$PIDS $TAIL"
sleep 0.5
"$X" set -c "$CFG" u/ignored '{v: 1}'
"$X" set -c "$CFG" t/d '{v: 1, host: pm3}'
"$XGC_BIN/xgc-bustest" -c "$CFG" publish metric.vm.web1 1 0 > /dev/null
"$X" del -c "$CFG" t/a
for _ in $(seq 50); do kill -0 $TAIL 2>/dev/null || break; sleep 0.1; done
check "follow stops after -n 3" sh -c "! kill -0 $TAIL 2>/dev/null"
check "--json state line has ts, key, op, seq, epoch, payload" \
    grep -q '^{"ts":[0-9]*,"key":"t/d","op":"set","seq":[0-9]*,"epoch":[0-9]*,"payload":{"v":1,"host":"pm3"}}$' "$TMP/follow.out"
check "--json event line has ts, topic, op, payload" \
    grep -q '^{"ts":[0-9]*,"topic":"metric.vm.web1","op":"event","payload":{"v":1,"i":0}}$' "$TMP/follow.out"
check "--json delete line" grep -q '"key":"t/a","op":"del"' "$TMP/follow.out"
check "prefix filter: u/ not shown" sh -c "! grep -q u/ignored '$TMP/follow.out'"

"$X" tail -c "$CFG" --where nonsense 2> "$TMP/err"
check "bad --where: exit 2" [ $? = 2 ] && grep -q "bad argument" "$TMP/err"

"$XGC_BIN/xgc-broker" -c "$CFG" 2> "$TMP/second.err"
check "a second broker on the same data_dir is refused" \
    [ $? = 1 ] && grep -q "another broker" "$TMP/second.err"
finish
