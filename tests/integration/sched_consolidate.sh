#!/bin/sh
# The daemon with `scheduler: {policy: consolidate}` (issue 6: the sim's
# migration policy, scheduler/policy/migrate.c through policy_bridge, run by
# xgc-scheduler on observed demand): `xgc up` a broker, one scheduler and 3
# sim pmds (2 x 1000 MHz each); 3 idle VMs end up on one PM; their reported
# CPU (`xgc inject load`, 3 x 810 MHz > 2000) makes that PM overloaded: one
# VM is live-migrated off it ("overloaded (demand)"); the load drops: an
# underloaded PM is emptied again ("emptying"), not by sending the relieved
# VM back (no-return rule, in rounds of optimise_interval_ms). `xgc down`
# leaves nothing.
. "$(dirname "$0")/sched_lib.sh"
BASE=$((23000 + ($$ % 2000) * 5))   # below the ephemeral ports

. "$(dirname "$0")/sched_consolidate_lib.sh"
cons_cfg schedcons "$BASE" > "$CFG"

# 1. three idle VMs (the pmds report 0 % CPU): all on one PM
cons_up_three_idle
FULL=$(vm_rows | awk -F, '{print $4}' | sort -u)

# 2. their reported CPU: 3 x 810 MHz on a 2000 MHz PM → one VM leaves it
cons_load 0.9 12
check "overloaded $FULL relieved: VMs on two PMs, running" wait_for 12 on_two_pms
check "the move is a relief (\"$FULL overloaded (demand)\")" saw "$FULL overloaded (demand)"
wait "$INJ"

# 3. the load drops (45 MHz each): an underloaded PM is emptied
cons_load 0.05 25
check "load down: an underloaded PM emptied, all on one PM" wait_for 25 on_one_pm
check "the move is a consolidation (\"emptying\")" saw "emptying pm"
kill "$INJ" 2>/dev/null
wait "$INJ" 2>/dev/null
kill "$TAIL" 2>/dev/null; TAIL=""
# migrate.c's no-return rule, in rounds of optimise_interval_ms: the VM that
# left $FULL is not sent back there (72 rounds = 36 s)
GONE=$(grep "$FULL overloaded (demand)" "$TMP/events.jsonl" | sed -n 's/.*"vm":"\([^"]*\)".*/\1/p' | head -1)
back() { grep "\"vm\":\"$GONE\"" "$TMP/events.jsonl" | grep -q "emptying [^\"]*: to $FULL\""; }
not_back() { [ -n "$GONE" ] && ! back; }
check "the relieved VM ($GONE) is not sent back to $FULL" not_back
grep -o '"reason":"[^"]*"' "$TMP/events.jsonl" | sed 's/^/    /'

"$X" down -c "$CFG" >/dev/null
check "xgc down leaves no process behind" none_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
