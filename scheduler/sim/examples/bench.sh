#!/bin/sh
# bench.sh — what a plugin policy costs in xgc sim (make bench): on the whole
# PlanetLab day, the example plugin (threshold-ffd, threshold 0.8) against
# the built-in THR-MMT-0.8 (a static threshold too, same engine). CPU time
# of the replay (xgc sim's cpu_s, loading excluded), median of N runs, the
# two interleaved. The adapter's own share: docs/benchmarks/sim.md (perf).
#   scheduler/sim/examples/bench.sh [path/to/xgc] [planetlab dir] [N]
XGC=${1:-build/bin/xgc}
DAY=${2:-${XGC_SIM_DAY:-/work/shared/data/planetlab-20110303}}
N=${3:-7}
EX=$(dirname "$XGC")/../lib/xgc-sim-threshold-ffd.so
if [ ! -d "$DAY" ] || [ ! -s "$EX" ]; then
    echo "bench-sim-plugin: $DAY or $EX not found"; exit 0
fi
f() { echo "$2" | sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p"; }
TMP=$(mktemp -d /tmp/xgc_sim_plugin_bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
set -- thr-mmt-0.8 "plugin:$EX:0.8"
for i in $(seq "$N"); do
    k=0
    for p in "$@"; do
        k=$((k + 1))
        j=$("$XGC" sim --planetlab "$DAY" --policy "$p" --json)
        echo "$(f cpu_s "$j") $(f energy_kwh "$j") $(f migrations "$j")" >> "$TMP/$k"
    done
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "load: $(uptime | sed 's/.*load average/load average/')"
echo
echo "| policy | CPU time (median of $N) | energy kWh | migrations |"
echo "|---|---|---|---|"
k=0
for p in thr-mmt-0.8 "plugin threshold-ffd:0.8"; do
    k=$((k + 1))
    awk -v p="$p" -v t="$(median "$TMP/$k")" 'NR == 1 { printf "| %s | %.3f s | %.2f | %d |\n", p, t, $2, $3 }' "$TMP/$k"
done
echo
echo "command: scheduler/sim/examples/bench.sh $XGC $DAY $N"
