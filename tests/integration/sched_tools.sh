#!/bin/sh
# The scheduler's tools against a live broker + scheduler (no pmds): vm
# add/set/rm/count with valid and invalid input (an invalid value writes
# nothing), host drain of an unknown PM, inject (arrivals, bad input),
# status --json/--csv, plan --dry-run, and the Prometheus endpoint.
. "$(dirname "$0")/sched_lib.sh"
BASE=$((11000 + ($$ % 1000) * 5))   # below the ephemeral ports
MPORT=$((BASE + 5))
cat > "$CFG" <<YAML
cluster: schedtools
data_dir: $TMP/data
broker:
  endpoint: tcp://127.0.0.1:$BASE
scheduler:
  debounce_ms: 10
metrics:
  listen: 127.0.0.1:$MPORT
vms:
  - {name: pool-1, min_mhz: 100, max_mhz: 200, mem_mb: 64}
  - {name: pool-2, min_mhz: 100, max_mhz: 200, mem_mb: 64}
  - {name: pool-3, min_mhz: 100, max_mhz: 200, mem_mb: 64}
YAML
specs() { "$X" ls -c "$CFG" vm/ | wc -l; }

check "xgc up (broker + scheduler)" "$X" up -c "$CFG" --timeout 20
check "the 3 VMs of vms: written" test "$(specs)" -eq 3
check "vm add" "$X" vm add web1 -c "$CFG" --min 500 --max 1000 --mem 256 --utility-min 2 --utility-max 4
bad() { "$X" "$@" -c "$CFG" >/dev/null 2>&1; [ $? -eq 2 ]; }
check "vm add min > max refused (exit 2)" bad vm add web2 --min 900 --max 100 --mem 1
check "vm add non-numeric refused" bad vm add web2 --min x --max 100 --mem 1
check "vm set negative memory refused" bad vm set web1 --mem -5
check "vm count beyond the pool refused" bad vm count 9
check "host drain of an unknown PM refused" bad host drain nope
check "inject with an invalid spec refused" bad inject arrivals --min 5 --max 1
check "nothing written by the refusals" test "$(specs)" -eq 4
check "vm set" "$X" vm set web1 -c "$CFG" --max 1500
check "resize visible" sh -c "'$X' get -c '$CFG' vm/web1/spec | grep -q '\"max_mhz\":1500'"
check "vm count 1 keeps pool-1 only" "$X" vm count 1 -c "$CFG" --pool pool-
check "2 VMs left" test "$(specs)" -eq 2
check "vm rm" "$X" vm rm web1 -c "$CFG"
check "vm rm of an unknown VM fails" sh -c "! '$X' vm rm web1 -c '$CFG' 2>/dev/null"
check "inject 5 arrivals" "$X" inject arrivals -c "$CFG" --count 5 --interval-ms 10 --prefix t --quiet
check "inject bad input" "$X" inject bad -c "$CFG" --count 4 --quiet
check "6 specs (bad ones left nothing)" test "$(specs)" -eq 6
check "status --json has pms, vms, totals" sh -c "'$X' status -c '$CFG' --json | grep -q '\"vms\"' && '$X' status -c '$CFG' --json | grep -q '\"totals\"'"
check "status --csv lists the 6 VMs" test "$("$X" status -c "$CFG" --csv | grep -c '^vm,[^n]')" -eq 6
check "plan --dry-run answers" sh -c "'$X' plan --dry-run -c '$CFG' | grep -q 'dry run'"
check "plan without --dry-run refused" bad plan
metric() { curl -s "http://127.0.0.1:$MPORT/metrics" | grep -q "$1"; }
check "metrics: Prometheus text with the VMs" metric '^xgc_vms{cluster="schedtools"} 6$'
check "metrics: bad frames counted" metric '^xgc_dropped_frames_total{cluster="schedtools"} [1-9]'
"$X" down -c "$CFG" >/dev/null
check "xgc down leaves no process behind" none_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
