#!/bin/sh
# make run — the seed's experiment, live and time-scaled: `xgc up` the demo
# deployment (config/demo.yaml: a broker, the scheduler, 8 simulated PMs,
# VMs arriving one every 2 s), show a live status line, and after about a
# minute (or Ctrl-C) stop everything and print a summary, with the
# utility/power time series as CSV and gnuplot plots (SVG + a text plot).
#   XGC_RUN_CONFIG=FILE   another deployment (default config/demo.yaml)
#   XGC_RUN_SECONDS=N     how long (default 60)
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
cfg=${XGC_RUN_CONFIG:-$root/config/demo.yaml}
secs=${XGC_RUN_SECONDS:-60}
out="$root/build/run"
csv="$out/demo.csv"
xgc() { "$bin/xgc" "$@"; }

mkdir -p "$out"
xgc down -c "$cfg" --purge >/dev/null 2>&1    # a fresh blackboard each run
stopped=0
finish() {
    [ "$stopped" = 1 ] && return
    stopped=1
    printf '\n'
    xgc status -c "$cfg" 2>/dev/null | sed -n '/^PM /,/^$/p'
    xgc down -c "$cfg"
    summary
    exit 0
}
trap finish INT TERM

summary() {
    rows=$(($(wc -l < "$csv") - 1))
    [ "$rows" -lt 1 ] && { echo "no samples"; return; }
    awk -F, 'NR > 1 { n++; u += $6; w += $9; if ($6 > umax) umax = $6; if ($5 > pmax) pmax = $5;
                      vms = $2; placed = $3; mig = $10; net = $8 }
             END { printf "summary: %d samples, %d VMs (%d placed), at most %d PMs on, " \
                   "mean utility %.0f (max %.0f), mean power %.0f W, last net %.0f, %d migrations\n",
                   n, vms, placed, pmax, u / n, umax, w / n, net, mig }' "$csv"
    if command -v gnuplot >/dev/null 2>&1; then
        gnuplot <<GP 2>/dev/null
set datafile separator ","
set key autotitle columnhead
set xlabel "time (s)"
t0 = system("sed -n 2p $csv | cut -d, -f1") + 0
set terminal svg size 800,400
set output "$out/demo-utility.svg"
set ylabel "utility"
plot "$csv" using (\$1 - t0):6 with lines title "utility", "" using (\$1 - t0):8 with lines title "net"
set output "$out/demo-power.svg"
set ylabel "power (W)"; set y2label "PMs on"; set y2tics
plot "$csv" using (\$1 - t0):9 with lines title "power W", "" using (\$1 - t0):5 axes x1y2 with steps title "PMs on"
set terminal dumb size 79,20
set output
unset y2tics; unset y2label
set ylabel "utility"
plot "$csv" using (\$1 - t0):6 with lines title "utility"
GP
        echo "plots: $out/demo-utility.svg $out/demo-power.svg"
    fi
    echo "data:  $csv   logs: $(sed -n 's/^data_dir: *//p' "$cfg" | sed 's/ *#.*//')/log (until the next run)"
}

echo "xgc demo: $(basename "$cfg"), about $secs s (Ctrl-C to stop early)"
if ! xgc up -c "$cfg"; then
    echo "make run: the deployment did not come up; see the logs above" >&2
    xgc down -c "$cfg" >/dev/null 2>&1
    exit 1
fi
xgc status -c "$cfg" --totals --header 2>/dev/null | head -1 > "$csv"
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$secs" ]; do
    line=$(xgc status -c "$cfg" --totals 2>/dev/null)
    if [ -n "$line" ]; then
        echo "$line" >> "$csv"
        echo "$line" | awk -F, -v t=$(( $(date +%s) - start )) '{ printf "\r%3ds  VMs %3d (running %3d)  PMs on %d  utility %7.0f  net %7.0f  power %5.0f W  migrations %d   ",
            t, $2, $4, $5, $6, $8, $9, $10 }'
    fi
    sleep 1
done
finish
