#!/bin/sh
# The consolidate policy's parameters in the deployment file
# (`scheduler: {consolidate: {...}}`, names of scheduler/policy/params.h, as
# `xgc sim --policy xgc:key=v`):
#  - a bad value or an unknown key is refused by `xgc config check` and
#    `xgc up` with file:line:col and the reason; `xgc up` starts nothing;
#  - they change what the daemon does: with `underload: 0` no PM is ever
#    worth emptying, so after a relief spread 3 VMs over two PMs and their
#    load dropped, the two PMs stay (no "emptying"); the same cluster with a
#    scheduler restarted on the default parameters empties one of them —
#    not by sending the relieved VM back to the PM it left: the plan entry
#    keeps that PM (`left`), so no_return survives the restart.
# Real processes: broker, scheduler, 3 sim pmds (as sched_consolidate.sh).
. "$(dirname "$0")/sched_lib.sh"
BASE=$((25000 + ($$ % 2000) * 5))   # below the ephemeral ports
SCHED2=""
params_cleanup() {
    [ -n "$SCHED2" ] && kill "$SCHED2" 2>/dev/null
    cleanup
}
trap params_cleanup EXIT

. "$(dirname "$0")/sched_consolidate_lib.sh"
write_cfg() { cons_cfg schedparams "$BASE" "$1"; }

# 1. refused before anything starts
BAD=$TMP/bad.yaml
write_cfg "  consolidate:
    underload: 0.5
    target: 0.4" > "$BAD"
out=$("$X" config check -c "$BAD" 2>&1); rc=$?
check "config check refuses underload >= target (status 2)" [ "$rc" -eq 2 ]
check "... at file:line:col of the key at fault, with the reason" \
    sh -c 'printf "%s" "$1" | grep -qF "$2:16:16: field '"'underload'"': underload must be in [0, target)"' _ "$out" "$BAD"
write_cfg "  consolidate: {underload: 0.5, cooldown: 12}" > "$BAD"
out=$("$X" config check -c "$BAD" 2>&1); rc=$?
check "config check refuses a rounds key not given as a duration (cooldown_ms)" \
    sh -c '[ "$1" -eq 2 ] && printf "%s" "$2" | grep -q ":15:43: field .cooldown.: counts rounds in xgc sim; here a duration: cooldown_ms"' _ "$rc" "$out"
out=$("$X" up -c "$BAD" --timeout 10 2>&1); rc=$?
check "xgc up refuses it too (status 2, same message)" \
    sh -c '[ "$1" -eq 2 ] && printf "%s" "$2" | grep -q ":15:43: field .cooldown."' _ "$rc" "$out"
nothing_of() { ! pgrep -f "$1" >/dev/null && [ -z "$(ls "$TMP/data/run" 2>/dev/null)" ]; }
check "... and starts nothing" nothing_of "$BAD"
write_cfg "  consolidate: {underload: 0, cooldown_ms: 3000, no_return_ms: 36000, gain: 5}" > "$CFG"
check "config check accepts the consolidate: section" sh -c '"$1" config check -c "$2" >/dev/null' _ "$X" "$CFG"

# 2. underload 0: relieved, then never emptied
cons_up_three_idle
cons_load 0.9 12
check "their load (3 x 810 MHz on 2000) relieved: VMs on two PMs" wait_for 12 on_two_pms
check "the move is a relief" saw "overloaded (demand)"
kill "$INJ" 2>/dev/null
wait "$INJ" 2>/dev/null
cons_load 0.05 40
sleep 8     # sched_consolidate.sh (defaults) empties a PM within a few seconds
check "load down (45 MHz each), underload 0: still on two PMs after 8 s" on_two_pms
check "... and no \"emptying\" move" sh -c '! grep -q "emptying pm" "$1"' _ "$TMP/events.jsonl"

# 3. the same cluster, a scheduler on the defaults: a PM is emptied
write_cfg "" > "$CFG"
PID=$(cat "$TMP/data/run/scheduler-1.pid" 2>/dev/null)
[ -n "$PID" ] && kill "$PID" 2>/dev/null
gone() { ! kill -0 "$PID" 2>/dev/null; }
check "scheduler stopped" wait_for 10 gone
"$XGC_BIN/xgc-scheduler" -c "$CFG" --id scheduler-1 > "$TMP/scheduler-2.log" 2>&1 &
SCHED2=$!
T0=$(date +%s)
check "restarted on the default parameters: a PM emptied, all on one PM" wait_for 20 on_one_pm
echo "    (emptied $(( $(date +%s) - T0 )) s after the restart)"
check "the move is a consolidation (\"emptying\")" saw "emptying pm"
# The relief was "S overloaded (demand): to D"; D emptied back onto S would
# break no_return, which the new scheduler knows only from the plan entry.
relief=$(grep -o '"reason":"pm[0-9]* overloaded (demand): to pm[0-9]*"' "$TMP/events.jsonl" | head -1)
S=$(printf '%s' "$relief" | sed 's/.*"reason":"\(pm[0-9]*\) .*/\1/')
D=$(printf '%s' "$relief" | sed 's/.*to \(pm[0-9]*\)"$/\1/')
check "after the restart the relieved VM stays off the PM it left ($S; no_return kept in the plan entry)" \
    sh -c '[ -n "$1" ] && [ -n "$2" ] && ! grep -q "emptying $2 (underloaded): to $1" "$3"' _ "$S" "$D" "$TMP/events.jsonl"
kill "$INJ" 2>/dev/null
wait "$INJ" 2>/dev/null
kill "$TAIL" 2>/dev/null; TAIL=""
grep -o '"reason":"[^"]*"' "$TMP/events.jsonl" | sed 's/^/    /'

kill "$SCHED2" 2>/dev/null
wait "$SCHED2" 2>/dev/null
SCHED2=""
"$X" down -c "$CFG" >/dev/null
check "xgc down leaves no process behind" none_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
