#!/bin/sh
# `xgc plan --dry-run --observe SECONDS` under policy consolidate: the
# one-shot client listens to metric.vm.* and feeds the scheduler's demand
# estimators before planning. A broker, a scheduler that never migrates
# (max_migrations: 0, so the overload stays) and 3 sim pmds; 3 VMs on one
# 2000 MHz PM report 810 MHz each. The dry run (its own file: the same
# cluster, max_migrations 2):
#  - without --observe sees every VM at its min_mhz: nothing to relieve,
#    and says it had no demand history;
#  - with --observe 3 sees the overload and plans the relief the daemon
#    would ("overloaded (demand)"), and says how many samples each VM had.
. "$(dirname "$0")/sched_lib.sh"
. "$(dirname "$0")/sched_consolidate_lib.sh"
BASE=$((27000 + ($$ % 2000) * 5))   # below the ephemeral ports
CONS_MAX_MIGRATIONS=0 cons_cfg schedobserve "$BASE" > "$CFG"
PLAN_CFG=$TMP/plan.yaml
cons_cfg schedobserve "$BASE" > "$PLAN_CFG"

cons_up_three_idle
ONE=$(vm_rows | awk -F, '{print $4}' | sort -u)
cons_load 0.9 30
sleep 3     # the scheduler's estimators have samples by now

"$X" plan --dry-run -c "$PLAN_CFG" > "$TMP/plain.txt" 2>&1
check "dry run without --observe: no migration (every VM at its min_mhz)" \
    grep -q "migrations 0," "$TMP/plain.txt"
check "... and it says it had no demand history" grep -q "^demand: not observed" "$TMP/plain.txt"

T0=$(date +%s)
"$X" plan --dry-run -c "$PLAN_CFG" --observe 3 --all > "$TMP/observed.txt" 2>&1
T1=$(date +%s)
check "dry run --observe 3: the relief the daemon would plan (\"$ONE overloaded (demand)\")" \
    grep -q "$ONE overloaded (demand)" "$TMP/observed.txt"
check "... one migration" grep -q "migrations 1," "$TMP/observed.txt"
check "... samples per VM said (3 of 3 VMs)" \
    grep -q "^demand: observed metric.vm.\* for 3.0 s: 3 of 3 VMs with samples" "$TMP/observed.txt"
check "... and per VM with --all" grep -q "c-0001 .*samples: estimate" "$TMP/observed.txt"
took() { [ $((T1 - T0)) -ge 3 ] && [ $((T1 - T0)) -le 10 ]; }
check "... it took the 3 s (took $((T1 - T0)) s)" took
sed 's/^/    /' "$TMP/observed.txt"
check "the daemon (max_migrations 0) moved nothing: still on $ONE" on_one_pm

out=$("$X" plan --dry-run -c "$PLAN_CFG" --observe x 2>&1); rc=$?
check "--observe x refused (status 2)" \
    sh -c '[ "$1" -eq 2 ] && printf "%s" "$2" | grep -q "observe wants a number"' _ "$rc" "$out"
kill "$INJ" 2>/dev/null
wait "$INJ" 2>/dev/null
kill "$TAIL" 2>/dev/null; TAIL=""

"$X" down -c "$CFG" >/dev/null
check "xgc down leaves no process behind" none_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
