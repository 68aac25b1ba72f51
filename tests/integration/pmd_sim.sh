#!/usr/bin/env bash
# A broker and 3 sim pmds on loopback, time factor 100 (create 0.4 s, live
# migration 0.2 s). VMs written into the plan with `xgc set` are created,
# re-capped, migrated (never running on two PMs, never on none) and
# destroyed; a pmd SIGKILLed mid-migration (source, then destination) and
# restarted converges with no duplicate and no lost VM; a failing create is
# reported as failed and retried with back-off.
set -u
. "$(dirname "$0")/pmd_lib.sh"
xgc_test_setup pmdsim
cat >> "$T/x.yaml" <<EOF
pms:
  - {name: pm1, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
  - {name: pm2, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100, migrate_s: 60}}
  - {name: pm3, cpu_mhz: 8000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100, migrate_s: 60}}
EOF

declare -A PMD
start_pmd() {
    "$BIN/xgc-pmd" -c "$T/x.yaml" --host "$1" --interval-ms 200 --lease-ms 6000 \
        --backoff-ms 300,2000 --grace-ms 1500 >> "$T/$1.log" 2>&1 &
    PMD[$1]=$!
    PIDS+=($!)
}

start_broker || { bad "broker starts"; xgc_test_end; exit 1; }
for h in pm1 pm2 pm3; do start_pmd $h; done

field() { X get "pm/$2/vm/$1" 2>/dev/null | sed -n "s/.*\"$3\":\([0-9.]*\).*/\1/p"; }
# wait until state(vm, host) == want, up to N tenths of a second (x slack)
wait_state() { wait_for "$4" "[ \"\$(state $1 $2)\" = $3 ]"; }
spec() { X set "vm/$1/spec" "{v: 1, name: $1, min_mhz: 200, max_mhz: 1000, mem_mb: 512${2:-}}" >/dev/null; }
plan() { # vm host state cap from round
    X set "plan/$2/$1" "{v: 1, vm: $1, host: $2, state: $3, cap_mhz: $4, weight: 256, from: '$5', round: $6}" >/dev/null
}
wait_for 50 '[ "$(X ls pm/ 2>/dev/null | grep -c /alive)" = 3 ]'
[ "$(X ls pm/ | grep -c /info)" = 3 ] && ok "3 pmds registered" || bad "3 pmds registered"

# --- create ---------------------------------------------------------------
spec vm1; spec vm2
plan vm1 pm1 run 800 "" 1
plan vm2 pm2 run 0 "" 1
wait_state vm1 pm1 running 40 && wait_state vm2 pm2 running 40 \
    && ok "created vm1 on pm1, vm2 on pm2" || bad "create"

# --- metrics from the hypervisor's CPU-time counters -------------------------
m=$(timeout 5 "$BIN/xgc" tail metric.vm.vm1 -c "$T/x.yaml" --json -n 1 --where host=pm1 2>/dev/null)
echo "$m" | grep -q '"cpu_pct"' && ok "metric.vm.vm1 from pm1" || bad "metric.vm.vm1: '$m'"
m=$(timeout 5 "$BIN/xgc" tail metric.pm.pm1 -c "$T/x.yaml" --json -n 1 2>/dev/null)
echo "$m" | grep -q '"vms":1' && ok "metric.pm.pm1 counts 1 VM" || bad "metric.pm.pm1: '$m'"

# --- re-cap -----------------------------------------------------------------
plan vm1 pm1 run 400 "" 2
wait_for 30 '[ "$(field vm1 pm1 cap_mhz)" = "400.0" ]' && ok "re-capped vm1 to 400 MHz" || bad "re-cap"

# --- migrate pm1 -> pm3, watching the invariant ------------------------------
# Each sample is one consistent snapshot of the three hypervisors (sim_doms).
plan vm1 pm3 run 400 pm1 3
X del plan/pm1/vm1 >/dev/null
both=0; none=0; moved=0
end=$(( $(date +%s) + 3 * ${XGC_TEST_SLACK:-3} ))
while [ "$(date +%s)" -le $end ]; do
    snap=$(sim_doms)
    [ "$snap" = "(failed)" ] && continue    # the files could not be read: no sample
    h=$(holders vm1 "$snap"); p=$(present vm1 "$snap")
    [ "$h" -gt 1 ] && both=$((both + 1))
    [ "$p" -eq 0 ] && none=$((none + 1))
    if [ "$(state vm1 pm3)" = running ] && [ -z "$(state vm1 pm1)" ]; then moved=1; break; fi
    sleep 0.01
done
[ $moved = 1 ] && ok "migrated vm1 pm1 -> pm3" || bad "migrate vm1 pm1 -> pm3"
[ $both = 0 ] && [ $none = 0 ] && ok "vm1 never on two PMs nor on none (samples: both=$both none=$none)" \
    || bad "invariant during migration: both=$both none=$none"

# --- destroy -----------------------------------------------------------------
plan vm2 pm2 stop 0 "" 4
wait_for 40 '[ -z "$(state vm2 pm2)" ] && [ "$(present vm2)" = 0 ]' && ok "destroyed vm2" || bad "destroy vm2"

# --- SIGKILL of the source mid-migration (pm3 -> pm2 takes 0.6 s) ----------------
converged() { # vm host: running there, nowhere else, exactly one hypervisor has it
    local snap
    snap=$(sim_doms)
    [ "$(state "$1" "$2")" = running ] && [ "$(holders "$1" "$snap")" = 1 ] &&
        [ "$(present "$1" "$snap")" = 1 ] &&
        printf '%s\n' "$snap" | grep -q "sim-$2.state:dom $1 running "
}
plan vm1 pm2 run 400 pm3 5
X del plan/pm3/vm1 >/dev/null
wait_state vm1 pm3 migrating_out 30
sleep 0.2
kill9 "${PMD[pm3]}"; sleep 0.3; start_pmd pm3
wait_for 100 'converged vm1 pm2' && ok "source killed mid-migration: vm1 ends on pm2 only" || bad "source killed mid-migration"

# --- SIGKILL of the destination mid-migration (pm2 -> pm3) ---------------------
plan vm1 pm3 run 400 pm2 6
X del plan/pm2/vm1 >/dev/null
wait_state vm1 pm2 migrating_out 30
sleep 0.2
kill9 "${PMD[pm3]}"; sleep 0.3
[ "$(present vm1)" -ge 1 ] && ok "destination killed: vm1 still exists" || bad "destination killed: vm1 lost"
start_pmd pm3
wait_for 150 'converged vm1 pm3' && ok "destination killed mid-migration: vm1 ends on pm3 only" || bad "destination killed mid-migration"

# --- a restarted pmd adopts, never duplicates -----------------------------------
kill9 "${PMD[pm3]}"; sleep 0.2; start_pmd pm3; sleep 1.5
wait_for 15 '[ "$(present vm1)" = 1 ] && [ "$(state vm1 pm3)" = running ]' && ok "restart adopts vm1 (no duplicate)" \
    || bad "restart adoption"
grep -q "op create vm=vm1" "$T/pm3.log" && bad "pm3 created vm1 again" || ok "no create after restart"

# --- a failing create: failed with a reason, retried with back-off ---------------
spec vm3 ", image: 'sim:fail'"
t0=$SECONDS
plan vm3 pm1 run 0 "" 7
sleep 2.5    # then, on a slow machine, a little longer for the second attempt
attempts() { grep -c "op create vm=vm3 phase=start" "$T/pm1.log"; }
wait_for 25 'X get pm/pm1/vm/vm3 2>/dev/null | grep -q "\"state\":\"failed\"" && [ "$(attempts)" -ge 2 ]'
r=$(X get pm/pm1/vm/vm3 2>/dev/null)
echo "$r" | grep -q '"state":"failed"' && echo "$r" | grep -q 'simulated failure' \
    && ok "failing create reported as failed with its reason" || bad "failing create report: $r"
n=$(attempts)
[ "$n" -ge 2 ] && [ "$n" -le 6 ] && ok "failing create retried with back-off ($n attempts in $((SECONDS - t0)) s)" \
    || bad "failing create attempts: $n"

xgc_test_end
