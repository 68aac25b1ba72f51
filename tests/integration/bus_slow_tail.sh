#!/bin/sh
# A `xgc tail` that never reads (SIGSTOPped) must not slow the publishers or
# the other subscribers. Bound (docs/bus.md): with the stopped tail, a
# subscriber receives as many of 100 000 events of 500 bytes published at
# 40 000/s (20 MB/s: far more than the stopped tail's socket buffers) as it
# does without the tail, less 2 % (and >= 95 % in both runs: a loaded machine
# may drop a few at the start or at a high-water mark), in at most 1.5x
# (+0.5 s) the time.
# When the tail resumes, it reports the messages it lost as a gap.
. "$(dirname "$0")/bus_lib.sh"
bus_setup
N=100000; RATE=40000
start_broker || { ko "broker starts"; finish; exit 1; }

run() {  # label -> "received K in S s"
    "$XGC_BIN/xgc-bustest" -c "$CFG" subscribe metric. $N 20 > "$TMP/sub.$1" 2>&1 &
    sub=$!
    sleep 0.5
    "$XGC_BIN/xgc-bustest" -c "$CFG" publish metric.test $N $RATE 500 > "$TMP/pub.$1" 2>&1
    wait $sub
    cat "$TMP/sub.$1"
}
received() { awk '/received/ {print $2}' "$TMP/sub.$1"; }
seconds()  { awk '/received/ {print $4}' "$TMP/sub.$1"; }

run base
"$XGC_BIN/xgc" tail -c "$CFG" > "$TMP/tail.out" 2> "$TMP/tail.err" &
TAIL=$!; PIDS="$PIDS $TAIL"
# Gaps count from the first message the tail has read: publish until it has
# printed one (its subscription may take a moment to reach the broker).
for _ in $(seq 50); do
    "$XGC_BIN/xgc-bustest" -c "$CFG" publish metric.first 10 0 > /dev/null
    sleep 0.2
    grep -q metric.first "$TMP/tail.out" && break
done
kill -STOP $TAIL
run stalled
b=$(received base); s=$(received stalled)
check "subscriber without tail got $b of $N" [ "$b" -ge $((N * 95 / 100)) ]
check "subscriber with a stopped tail got $s of $N (>= $b - 2 %)" \
    [ "$s" -ge $((N * 95 / 100)) ] && [ "$s" -ge $((b - N * 2 / 100)) ]
tb=$(seconds base); ts=$(seconds stalled)
check "receive time with stopped tail ${ts}s vs ${tb}s without (<= 1.5x + 0.5s)" \
    awk -v a="$ts" -v b="$tb" 'BEGIN { exit !(a <= 1.5 * b + 0.5) }'
kill -CONT $TAIL
# A gap shows when the next message after the lost ones arrives: keep
# publishing one now and then until the tail has caught up and reported it.
for _ in $(seq 50); do
    "$XGC_BIN/xgc-bustest" -c "$CFG" publish metric.after 1 0 > /dev/null
    grep -q "gap:" "$TMP/tail.err" && break
    sleep 0.2
done
check "the tail reports its lost messages as a gap ($(head -1 "$TMP/tail.err"); tail read $(wc -l < "$TMP/tail.out") lines)" \
    grep -q "gap:" "$TMP/tail.err"
check "broker still answers" [ -n "$(status_field epoch)" ]
finish
