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

{
    cat <<YAML
cluster: schedcons
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$BASE
scheduler:
  policy: consolidate
  debounce_ms: 20
  optimise_interval_ms: 500
  retry_ms: 300
  max_migrations: 2
  max_per_pm: 2
  power_off_hold_ms: 1500
  pmd_args: "--lease-ms 3000 --interval-ms 1000"
  demand: {window: 4, warmup: 1, threshold: 0.05}
pms:
YAML
    for i in 1 2 3; do
        echo "  - {name: pm$i, cpu_mhz: 2000, cores: 2, mem_mb: 8192, power_cost: 400, power: {idle_w: 80, peak_w: 160}, driver: sim, driver_opts: {time_factor: 50, load: 0}}"
    done
} > "$CFG"

# VM rows of `xgc status --csv`: vm,name,state,desired_pm,actual_pm,...
vm_rows() { "$X" status -c "$CFG" --csv 2>/dev/null | grep '^vm,' | grep -v '^vm,name,'; }
settled() { [ "$(vm_rows | awk -F, '$3 == "running" && $4 == $5' | wc -l)" -eq 3 ]; }
pms_used() { vm_rows | awk -F, '{print $4}' | sort -u | wc -l; }
on_one_pm() { settled && [ "$(pms_used)" -eq 1 ]; }
on_two_pms() { settled && [ "$(pms_used)" -ge 2 ]; }
events() { grep -c "$1" "$TMP/events.jsonl"; }
saw() { [ "$(events "$1")" -ge 1 ]; }

check "xgc up: broker, scheduler, 3 sim pmds" "$X" up -c "$CFG" --timeout 30
if [ "$fail" -gt 0 ]; then
    for f in "$TMP"/data/log/*.log; do echo "== $f"; tail -n 5 "$f"; done
    echo "$pass passed, $fail failed"; exit 1
fi
"$X" tail -c "$CFG" cmd. --json > "$TMP/events.jsonl" 2>/dev/null &
TAIL=$!
sleep 0.5

# 1. three idle VMs (the pmds report 0 % CPU): all on one PM
"$X" inject arrivals -c "$CFG" --quiet --count 3 --batch 3 --prefix c --min 100 --max 900 \
    --mem 256 --utility-min 10 --utility-max 20 >/dev/null
check "3 idle VMs running on one PM" wait_for 30 on_one_pm
FULL=$(vm_rows | awk -F, '{print $4}' | sort -u)

# 2. their reported CPU: 3 x 810 MHz on a 2000 MHz PM → one VM leaves it
"$X" inject load -c "$CFG" --quiet --prefix c --rate 10 --cpu 0.9 --pattern const \
    --count 1000000 --duration 12 >/dev/null &
INJ=$!
check "overloaded $FULL relieved: VMs on two PMs, running" wait_for 12 on_two_pms
check "the move is a relief (\"$FULL overloaded (demand)\")" saw "$FULL overloaded (demand)"
wait "$INJ"

# 3. the load drops (45 MHz each): an underloaded PM is emptied
"$X" inject load -c "$CFG" --quiet --prefix c --rate 10 --cpu 0.05 --pattern const \
    --count 1000000 --duration 25 >/dev/null &
INJ=$!
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
