#!/usr/bin/env bash
# A vmd's metrics reach `xgc tail`: a broker, the dynamic and the static
# vmd (its own ZMTP publisher) with the built-in workload probed over HTTP;
# the metric carries the name, CPU use, a response time and liveness.
set -u
. "$(dirname "$0")/pmd_lib.sh"
xgc_test_setup vmd
WPORT=$((32000 + RANDOM % 2000))
start_broker

# Not called in $(...): the vmd's pid must reach PIDS in this shell, so that
# the cleanup stops it.
tail_for() { # name binary extra-args... -> $T/<name>.out: its first metric line
    local name=$1 bin=$2; shift 2
    timeout 8 "$BIN/xgc" tail metric.vm. -c "$T/x.yaml" --json -n 1 --where vm="$name" > "$T/$name.out" 2>"$T/$name.err" &
    local tp=$!
    sleep 0.3
    "$BIN/$bin" -c "$T/x.yaml" --name "$name" --interval-ms 200 "$@" > "$T/$name.log" 2>&1 &
    PIDS+=($!)
    wait $tp
}

tail_for web1 xgc-vmd --serve "$WPORT" --work-ms 5 --probe-url "http://127.0.0.1:$WPORT/"
line=$(cat "$T/web1.out")
echo "$line" | grep -q '"vm":"web1"' && ok "xgc-vmd metric reaches xgc tail" || bad "xgc-vmd metric: '$line' $(cat "$T/web1.err" "$T/web1.log")"
echo "$line" | grep -q '"alive":true' && ok "liveness" || bad "liveness"
r=$(echo "$line" | sed -n 's/.*"resp_ms":\([0-9.e+-]*\).*/\1/p')
awk -v r="${r:--1}" 'BEGIN { exit !(r >= 4 && r < 1000) }' && ok "probe response time $r ms (>= 5 ms of work)" \
    || bad "probe response time '$r'"

if [ -x "$BIN/xgc-vmd-static" ]; then
    tail_for db1 xgc-vmd-static --busy 0.5
    line=$(cat "$T/db1.out")
    echo "$line" | grep -q '"vm":"db1"' && ok "xgc-vmd-static metric reaches xgc tail" || bad "static vmd: '$line' $(cat "$T/db1.log")"
    c=$(echo "$line" | sed -n 's/.*"cpu_pct":\([0-9.e+-]*\).*/\1/p')
    awk -v c="${c:-0}" 'BEGIN { exit !(c >= 20) }' && ok "busy loop shows in cpu_pct ($c %)" || bad "cpu_pct '$c'"
else
    skip=$((skip + 1)); echo "skip static vmd (not built)"
fi

xgc_test_end
