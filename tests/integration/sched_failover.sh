#!/bin/sh
# PM failure: a pmd SIGKILLed stops heartbeating; the scheduler leaves its
# VMs where they are until the configured fence command has succeeded, then
# re-creates them on the other PMs (creates, not migrations); `xgc host
# list` shows the PM failed/fenced.
. "$(dirname "$0")/sched_lib.sh"
BASE=$((31000 + ($$ % 300) * 5))

cat > "$CFG" <<YAML
cluster: schedfo
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$BASE
scheduler:
  debounce_ms: 20
  lease_ms: 1500
  power_off_hold_ms: 60000
  fence_command: "echo \$1 >> $TMP/fenced.log"
  pmd_args: "--lease-ms 2000 --interval-ms 300"
pms:
YAML
for i in 1 2 3 4; do
    echo "  - {name: pm$i, cpu_mhz: 4000, mem_mb: 8192, power_cost: 400, driver: sim, driver_opts: {time_factor: 50}}" >> "$CFG"
done

running_on() {  # HOST: VMs with an actual entry running there
    "$X" ls -c "$CFG" "pm/$1/vm/" 2>/dev/null | grep -c '"state":"running"'
}
live_running() {  # VMs running on PMs other than $1, each counted once
    "$X" ls -c "$CFG" pm/ 2>/dev/null | grep '"state":"running"' | awk '{print $1}' \
        | awk -F/ -v dead="$1" '$3 == "vm" && $2 != dead {print $4}' | sort -u | wc -l
}
check "xgc up: broker, scheduler, 4 sim pmds" "$X" up -c "$CFG" --timeout 30
"$X" inject arrivals -c "$CFG" --quiet --count 8 --batch 8 --prefix fo --min 800 --max 1200 \
    --mem 256 --utility-min 50 --utility-max 60 >/dev/null
eight_running() { [ "$(live_running none)" -ge 8 ]; }
check "8 VMs running" wait_for 30 eight_running
DEAD=$(for h in pm1 pm2 pm3 pm4; do echo "$(running_on $h) $h"; done | sort -n | tail -1 | cut -d' ' -f2)
N=$(running_on "$DEAD")
echo "    killing the pmd of $DEAD ($N VMs)"
kill -9 "$(cat "$TMP/data/run/pmd-$DEAD.pid")"
check "fence command run for $DEAD" wait_for 15 grep -qxs "$DEAD" "$TMP/fenced.log"
moved() { [ "$(live_running "$DEAD")" -ge 8 ]; }
check "all 8 VMs running on the other PMs" wait_for 30 moved
noplan() { ! "$X" ls -c "$CFG" "plan/$DEAD/" | grep -q .; }
check "no plan entry left on $DEAD" noplan
nomigrate() { ! "$X" ls -c "$CFG" plan/ | grep -q "\"from\":\"$DEAD\""; }
check "re-created (no migration from the dead PM)" nomigrate
check "status shows $DEAD failed or fenced" sh -c "'$X' host list -c '$CFG' | grep '^$DEAD ' | grep -q 'failed\|fenced'"
"$X" down -c "$CFG" >/dev/null
check "xgc down leaves no process behind" none_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
