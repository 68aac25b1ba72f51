#!/bin/sh
# 10 000 acknowledged writes while the broker is SIGKILLed mid-stream and
# restarted (with frequent journal compaction): every write is present
# with its value afterwards; a client watching across the restart resyncs
# by itself (new epoch) and ends with all 10 000 keys.
. "$(dirname "$0")/bus_lib.sh"
bus_setup
N=10000
start_broker --compact-bytes 100000 || { ko "broker starts"; finish; exit 1; }

"$XGC_BIN/xgc-bustest" -c "$CFG" follow $N 60 > "$TMP/follow.out" 2>&1 &
FOLLOW=$!; PIDS="$PIDS $FOLLOW"
sleep 0.3
"$XGC_BIN/xgc-bustest" -c "$CFG" writes $N 2 4000 > "$TMP/writes.out" 2>&1 &
WRITER=$!; PIDS="$PIDS $WRITER"

# kill -9 the broker once about a third of the writes are in
killed=no
for _ in $(seq 300); do
    seq=$(status_field seq)
    if [ "${seq:-0}" -ge 3000 ]; then
        kill -9 "$BROKER"; wait "$BROKER" 2>/dev/null; killed=yes; break
    fi
    sleep 0.02
done
check "broker SIGKILLed mid-stream (seq ${seq:-?} of $N)" [ "$killed" = yes ] && [ "${seq:-0}" -lt $N ]
sleep 0.5
KEEP_PORTS=1 start_broker --compact-bytes 100000
check "broker restarts after SIGKILL" [ -n "$(status_field epoch)" ]

wait "$WRITER"; rc=$?
check "all $N writes acknowledged ($(cat "$TMP/writes.out"))" [ $rc = 0 ]
"$XGC_BIN/xgc-bustest" -c "$CFG" verify $N > "$TMP/verify.out" 2>&1
check "all $N present with their values ($(cat "$TMP/verify.out"))" [ $? = 0 ]
wait "$FOLLOW"; rc=$?
check "watching client resynced by itself ($(cat "$TMP/follow.out"))" \
    [ $rc = 0 ] && grep -q ", [2-9] epochs" "$TMP/follow.out"
check "journal compacted while writing (snapshot file written)" \
    [ -s "$TMP/data/broker/snapshot" ]

# and once more, a restart after a clean stop keeps everything
kill "$BROKER"; wait "$BROKER" 2>/dev/null
KEEP_PORTS=1 start_broker
"$XGC_BIN/xgc-bustest" -c "$CFG" verify $N > "$TMP/verify2.out" 2>&1
check "all present after a second restart ($(cat "$TMP/verify2.out"))" [ $? = 0 ]
seq2=$(status_field seq)
check "sequence continues above the last (seq $seq2 >= $N)" [ "${seq2:-0}" -ge $N ]
finish
