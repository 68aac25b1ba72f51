#!/usr/bin/env bash
# How many sim pmds one machine carries: a broker and N sim pmds (time
# factor 1000: create 40 ms, migration 20 ms), M VMs planned round-robin
# with `xgc set`; reports the time until all M run, and the CPU the pmds
# use per second in steady state (sum over all pmds, in % of one core).
#   pmd/bench/scale.sh [N=100] [M=300] [STEADY_S=10]
set -u
N=${1:-100}; M=${2:-300}; STEADY=${3:-10}
BIN=${XGC_BIN:-build/bin}
. "$(dirname "$0")/../../tests/integration/pmd_lib.sh"
xgc_test_setup pmdscale
echo "pms:" >> "$T/x.yaml"
for i in $(seq "$N"); do
    echo "  - {name: pm$i, cpu_mhz: 8000, mem_mb: 65536, cores: 4, driver_opts: {time_factor: 1000}}" >> "$T/x.yaml"
done
start_broker
PMDS=()
for i in $(seq "$N"); do
    "$BIN/xgc-pmd" -c "$T/x.yaml" --host "pm$i" > "$T/pm$i.log" 2>&1 &
    PIDS+=($!); PMDS+=($!)
done
for _ in $(seq 100); do [ "$(X ls pm/ | grep -c /alive)" -ge "$N" ] && break; sleep 0.2; done
t0=$(date +%s.%N)
for j in $(seq "$M"); do
    h=$(( (j - 1) % N + 1 ))
    X set "vm/vm$j/spec" "{v: 1, name: vm$j, min_mhz: 100, max_mhz: 1000, mem_mb: 256}" >/dev/null
    X set "plan/pm$h/vm$j" "{v: 1, vm: vm$j, host: pm$h, state: run, cap_mhz: 500, weight: 256, round: 1}" >/dev/null
done
t1=$(date +%s.%N)
running=0
for _ in $(seq 600); do
    running=$(X ls pm/ | grep -c '"state":"running"')
    [ "$running" -ge "$M" ] && break
    sleep 0.1
done
t2=$(date +%s.%N)
cpu() { local s=0; for p in "${PMDS[@]}"; do
    s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $s; }
c0=$(cpu); sleep "$STEADY"; c1=$(cpu)
hz=$(getconf CLK_TCK)
awk -v n="$N" -v m="$M" -v r="$running" -v w="$t1" -v a="$t0" -v d="$t2" -v c0="$c0" -v c1="$c1" \
    -v hz="$hz" -v s="$STEADY" 'BEGIN {
    printf "pmds=%d vms=%d running=%d\n", n, m, r
    printf "writing the plan with xgc set: %.1f s\n", w - a
    printf "all running after the last write: %.1f s\n", d - w
    printf "steady state: the %d pmds use %.1f %% of one core together (%.2f %% each)\n",
           n, (c1 - c0) / hz / s * 100, (c1 - c0) / hz / s * 100 / n }'
