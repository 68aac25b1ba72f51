#!/bin/sh
# Real VMs end to end: broker, scheduler, two pmds (qemu driver) whose VMs
# live in two network namespaces, a guest running xgc-vmd that reports
# through the bus.
#   a VM arrives (its spec) -> the scheduler places it, it boots, its pmd
#   reports it running, the vmd's metrics arrive; its cap (max_mhz 500 of a
#   2000 MHz core = 25 %) shows in the pmd's CPU metric; draining its PM
#   live-migrates it: it runs on the other PM, its uptime continues, the
#   source qemu is gone; removing the spec leaves no process, no cgroup.
# Without an xgc-scheduler binary the plan keys are written with `xgc set`
# instead (as the scheduler would), and the move is a plan change.
# Skipped (counted as skipped) where QEMU cannot run or a binary is missing.
root=${XGC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XGC_BIN:-$root/build/bin}
. "$root/tests/integration/qemu_lib.sh"

for b in xgc xgc-broker xgc-pmd; do
    [ -x "$bin/$b" ] || qemu_skip "qemu end-to-end: $bin/$b not built yet"
done
qemu_require_or_skip "qemu end-to-end"

pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2"; return 1; fi; }

work=$(mktemp -d /tmp/xgc-qe-XXXXXX)
prefix=xqe$$
export XGC_QEMU_NET=$(qemu_free_net 78)
net=$XGC_QEMU_NET
port=$(( 21000 + ($$ % 2000) * 5 ))
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    qemu_kill_vms "$work"
    "$root/tools/qemu-hosts.sh" down "$prefix" 2 >/dev/null 2>&1
    qemu_rm_cgroups "xgc-e2e-$$"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM HUP PIPE
"$root/tools/qemu-hosts.sh" up "$prefix" 2 >/dev/null || qemu_skip "cannot create network namespaces"

pm() {  # name index
    cat <<EOP
  - name: $1
    cpu_mhz: 2000
    cores: 1
    mem_mb: 1024
    driver: qemu
    address: tcp://$net.$2:7411
    driver_opts:
      netns: $prefix$2
      migrate_ip: $net.$2
      guest_broker: tcp://$net.254:$((port + 2))
      guest_mode: busy
      core_mhz: 2000
      cgroup_parent: xgc-e2e-$$/$1
      kernel: $root/build/guest/vmlinux
      initrd: $root/build/guest/initrd.gz
EOP
}
cfg=$work/deploy.yaml
sched=0; [ -x "$bin/xgc-scheduler" ] && [ -z "${XGC_QEMU_E2E_NO_SCHEDULER:-}" ] && sched=1
{
    echo "cluster: qemu-e2e"
    echo "data_dir: $work/data"
    echo "broker:"
    echo "  endpoint: tcp://$net.254:$port"
    [ $sched = 1 ] && printf 'scheduler:\n  algorithm: pemm\n  debounce_ms: 50\n  cooldown_ms: 1000\n'
    echo "pms:"
    pm qa 1
    pm qb 2
} > "$cfg"
x() { "$bin/xgc" "$@" -c "$cfg"; }

"$bin/xgc-broker" -c "$cfg" > "$work/broker.log" 2>&1 & pids="$pids $!"
for h in qa qb; do
    "$bin/xgc-pmd" -c "$cfg" --host $h --state-dir "$work/pmd-$h" --interval-ms 500 \
        > "$work/pmd-$h.log" 2>&1 & pids="$pids $!"
done
if [ $sched = 1 ]; then
    "$bin/xgc-scheduler" -c "$cfg" --metrics "" > "$work/scheduler.log" 2>&1 & pids="$pids $!"
    echo "mode: the scheduler places and moves the VM"
else
    echo "mode: no xgc-scheduler: the test writes the plan keys itself"
fi

# wait_for SECONDS COMMAND...: until the command succeeds
wait_for() {
    t=$1; shift
    end=$(( $(date +%s) + t ))
    while [ "$(date +%s)" -lt "$end" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.3
    done
    return 1
}
state_is() { x get "pm/$1/vm/$2" 2>/dev/null | grep -q "\"state\": *\"$3\""; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
gone() { ! x get "pm/$1/vm/$2" >/dev/null 2>&1; }
running_on() {  # sets $host to the PM that runs qe1
    for h in qa qb; do state_is $h qe1 running && host=$h && return 0; done
    return 1
}
other() { [ "$1" = qa ] && echo qb || echo qa; }
check 'wait_for 15 x get pm/qa/info && wait_for 5 x get pm/qb/info' "both pmds registered"

spec='{v: 1, name: qe1, min_mhz: 250, max_mhz: 500, shares: 256, mem_mb: 96, utility_min: 1, utility_max: 2}'
plan() {  # host from
    echo "{v: 1, vm: qe1, host: $1, state: run, cap_mhz: 500, weight: 256, from: '$2', round: 1, reason: test}"
}
t0=$(date +%s.%N)
x set vm/qe1/spec "$spec" >/dev/null
[ $sched = 1 ] || x set plan/qa/qe1 "$(plan qa '')" >/dev/null
host=
check 'wait_for 90 running_on' "placed: its pmd reports it running"
echo "figure: spec to running on ${host:-?} $(since "$t0") s"
[ -n "$host" ] || host=qa

# metrics: the vmd's own (from inside the guest) and the pmd's (CPU from the cgroup)
metrics() {  # seconds -> JSON lines of metric.vm.qe1
    timeout "$1" "$bin/xgc" tail metric.vm.qe1 --json -c "$cfg" 2>/dev/null
}
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
# the vmd's metrics carry no host (it cannot know where it runs) and its uptime
vmd_uptimes() { grep '"host": *""' "$1" | field uptime_s; }
vmd_reports() { metrics 3 > "$work/m-vmd.json"; [ -n "$(vmd_uptimes "$work/m-vmd.json")" ]; }
zcat "$root/build/guest/initrd.gz" | cpio -t 2>/dev/null | grep -q '^bin/xgc-vmd$' ||
    qemu_skip "qemu end-to-end: no static xgc-vmd in build/guest/initrd.gz (make guest after make)"
check 'wait_for 60 vmd_reports' "the guest's vmd reports through the bus"

# the cap: 500 MHz of a 2000 MHz core. The pmd's metric (cpu_pct from the
# cgroup), mean of 3 samples, stays under it; the cgroup's nr_throttled
# shows it binds (on a busy machine the guest may get less anyway).
cap=$(x get "plan/$host/qe1" | field cap_mhz)
cpu_mean() {  # file
    metrics 4 >> "$1"
    cpu=$(grep "\"host\": *\"$host\"" "$1" | field cpu_pct | tail -3 |
          awk '{s += $1; n++} END {if (n == 3) printf "%.1f", s / n}')
    [ -n "$cpu" ]
}
sleep 2; cpu=
wait_for 40 cpu_mean "$work/m-cap.json"
throttled=$(sed -n 's/^nr_throttled //p' /sys/fs/cgroup/cpu/xgc-e2e-$$/$host/qe1/cpu.stat 2>/dev/null)
echo "figure: cap $cap MHz (25 %) -> pmd metric cpu_pct $cpu, nr_throttled $throttled"
check '[ "${cap%.*}" = 500 ]' "the plan caps it at 500 MHz ($cap)"
check '[ -n "$cpu" ] && awk "BEGIN {exit !($cpu < 28)}"' "cap 25 % holds in the CPU metrics ($cpu %)"
check '[ "${throttled:-0}" -gt 0 ]' "the cap binds (nr_throttled $throttled)"

src=$host; dst=$(other $host)
srcpid=$(cut -d' ' -f1 "$work/pmd-$src/qemu/qe1.pid" 2>/dev/null)
up0=$(cat "$work/m-vmd.json" "$work/m-cap.json" | grep '"host": *""' | field uptime_s | tail -1)
t0=$(date +%s.%N)
if [ $sched = 1 ]; then
    x host drain "$src" >/dev/null
else
    x set "plan/$dst/qe1" "$(plan "$dst" "$src")" >/dev/null && x del "plan/$src/qe1" >/dev/null
fi
check 'wait_for 60 state_is $dst qe1 running' "moved ($([ $sched = 1 ] && echo "drain $src" || echo "plan change")): running on $dst"
check 'wait_for 20 gone $src qe1' "$src no longer reports it"
echo "figure: move to running on $dst $(since "$t0") s"
check '[ -n "$srcpid" ] && wait_for 10 sh -c "! kill -0 $srcpid"' "the source qemu is gone"
grep -h "migrate_out.*done" "$work/pmd-$src.log" | sed -e 's/.*reason=/figure: /' -e 's/ host=.*//' | head -1
after() { metrics 4 > "$work/m-after.json"; up1=$(vmd_uptimes "$work/m-after.json" | head -1); [ -n "$up1" ]; }
wait_for 40 after
check '[ -n "$up0" ] && [ -n "$up1" ] && awk "BEGIN {exit !($up1 > $up0)}"' \
      "the guest kept running: its vmd's uptime $up0 s before, $up1 s after the move"
check 'grep -q "\"host\": *\"$dst\"" "$work/m-after.json"' "metrics continue from $dst"

[ $sched = 1 ] || x del "plan/$dst/qe1" >/dev/null
x del vm/qe1/spec >/dev/null
check 'wait_for 30 gone $dst qe1' "removed: $dst no longer reports it"
# (this run's qemus: their QMP sockets are under $work)
check 'wait_for 20 sh -c "! pgrep -f \"[q]emu-system.*-name qe1 .*$work/\""' "no qemu process left" ||
    pgrep -af "[q]emu-system.*-name qe1 .*$work/" | cut -c1-200
check '! ls -d /sys/fs/cgroup/cpu/xgc-e2e-$$/*/qe1 2>/dev/null' "no cgroup left"

[ "$fail" = 0 ] || { echo "--- logs"; tail -n 8 "$work"/*.log "$work"/pmd-*/qemu/*.serial "$work"/pmd-*/qemu/*.log; }
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
