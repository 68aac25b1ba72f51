#!/usr/bin/env bash
# Broker outages, fencing and power, with 2 sim pmds (lease 4 s: fence
# after 2 s without the broker):
#  - a short outage: the VMs keep running, nothing is stopped, resync after;
#  - a long outage: the pmd fences (stops its VMs); when the broker is back
#    it re-creates what the plan still assigns it;
#  - a pmd started while the broker is down fences as well;
#  - power: a PM the plan turns off takes no new VM, powers off once empty
#    (0 W in metric.pm), and powers on again when the plan says so.
set -u
. "$(dirname "$0")/pmd_lib.sh"
xgc_test_setup pmdfence
cat >> "$T/x.yaml" <<EOF
pms:
  - {name: pm1, cpu_mhz: 8000, mem_mb: 4096, cores: 4, power: {idle_w: 100, peak_w: 200}, driver_opts: {time_factor: 100}}
  - {name: pm2, cpu_mhz: 8000, mem_mb: 4096, cores: 4, power: {idle_w: 100, peak_w: 200}, driver_opts: {time_factor: 100, wake_s: 50}}
EOF
BROKER=
start_b() { "$BIN/xgc-broker" -c "$T/x.yaml" >> "$T/broker.log" 2>&1 & BROKER=$!; PIDS+=($!); sleep 0.3; }
declare -A PMD
start_pmd() {
    "$BIN/xgc-pmd" -c "$T/x.yaml" --host "$1" --interval-ms 200 --lease-ms 4000 \
        --backoff-ms 300,2000 >> "$T/$1.log" 2>&1 &
    PMD[$1]=$!
    PIDS+=($!)
}

start_broker || { bad "broker starts"; xgc_test_end; exit 1; }
BROKER=${PIDS[-1]}
start_pmd pm1; start_pmd pm2
wait_for 50 '[ "$(X ls pm/ 2>/dev/null | grep -c /alive)" = 2 ]'
X set vm/vm1/spec '{v: 1, name: vm1, min_mhz: 200, max_mhz: 1000, mem_mb: 512}' >/dev/null
X set plan/pm1/vm1 '{v: 1, vm: vm1, host: pm1, state: run, cap_mhz: 0, weight: 256, round: 1}' >/dev/null
wait_for 40 '[ "$(state vm1 pm1)" = running ]' && ok "vm1 running on pm1" || bad "vm1 running on pm1"

# --- short outage ------------------------------------------------------------
kill9 "$BROKER"; sleep 1
[ "$(present vm1)" = 1 ] && ok "broker down 1 s: vm1 keeps running" || bad "short outage stopped vm1"
start_b
wait_for 50 '[ "$(state vm1 pm1)" = running ]' && ! grep -q "fencing" "$T/pm1.log" \
    && ok "broker back: resynced, no fencing" || bad "resync after a short outage"

# --- long outage: fencing ----------------------------------------------------
kill9 "$BROKER"
wait_for 60 '[ "$(present vm1)" = 0 ]' && ok "broker down > lease/2: pm1 fenced vm1" || bad "no fencing"
grep -q "fencing: no broker" "$T/pm1.log" && ok "fencing is logged" || bad "fencing not logged"
start_b
wait_for 80 '[ "$(state vm1 pm1)" = running ] && [ "$(present vm1)" = 1 ]' \
    && ok "broker back: vm1 re-created on pm1 as planned" || bad "no re-create after fencing"

# --- a pmd that starts while the broker is down fences too --------------------------
kill9 "${PMD[pm1]}"; kill9 "$BROKER"
start_pmd pm1
wait_for 60 '[ "$(present vm1)" = 0 ]' && ok "pm1 restarted without broker: fenced vm1" \
    || bad "no fencing after a start without broker"
start_b
wait_for 80 '[ "$(state vm1 pm1)" = running ] && [ "$(present vm1)" = 1 ]' \
    && ok "broker back: vm1 re-created on pm1" || bad "no re-create after a fenced start"

# --- power -------------------------------------------------------------------
X set pm/pm2/power '{v: 1, host: pm2, state: "off"}' >/dev/null
wait_for 30 'grep -q "op power_off" "$T/pm2.log"' && ok "empty pm2 powers off" || bad "pm2 power off"
m=""
pm2_metric_zero() {
    m=$(timeout 5 "$BIN/xgc" tail metric.pm.pm2 -c "$T/x.yaml" --json -n 1 2>/dev/null)
    echo "$m" | grep -q '"power_w":0'
}
wait_for 1 pm2_metric_zero && ok "pm2 draws 0 W while off" || bad "power while off: $m"
X set vm/vm2/spec '{v: 1, name: vm2, min_mhz: 200, max_mhz: 1000, mem_mb: 512}' >/dev/null
X set plan/pm2/vm2 '{v: 1, vm: vm2, host: pm2, state: run, cap_mhz: 0, weight: 256, round: 2}' >/dev/null
wait_for 20 'X get pm/pm2/vm/vm2 2>/dev/null | grep -q "takes no new VMs"' \
    && [ "$(present vm2)" = 0 ] && ok "pm2 off: takes no new VM" || bad "pm2 off took vm2"
X set pm/pm2/power '{v: 1, host: pm2, state: "on"}' >/dev/null
wait_for 50 '[ "$(state vm2 pm2)" = running ]' && grep -q "op power_on" "$T/pm2.log" \
    && ok "pm2 powered on (after the wake delay) and created vm2" || bad "pm2 power on"

xgc_test_end
