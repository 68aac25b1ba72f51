#!/usr/bin/env bash
# The second valgrind scenario (the first is run.sh): what run.sh does not
# reach, every process under valgrind memcheck, on loopback.
#   1. `xgc up` of a broker, a scheduler and three sim pmds (valgrind
#      follows `xgc up` into every daemon it starts); `xgc status` (text,
#      --json, --csv), `xgc vm add|set|rm`, `xgc host list|drain|undrain`
#      (the scheduler migrates the drained PM's VMs to another pmd), `xgc
#      inject` (short bursts of arrivals, load and bad input), `xgc plan
#      --dry-run` (with and without --observe 1); `xgc down` stops it all
#      with SIGTERM;
#   2. `xgc keygen` (and --vm) and a CURVE deployment: broker, a sim pmd,
#      the scheduler and a vmd with its own per-VM key; a VM placed, its
#      metrics read by a CURVE `xgc tail`; a vmd holding that VM's key but
#      claiming another VM is refused (event dropped by the broker);
#   3. `xgc sim` with the example plugin policy and --out;
#   4. the qemu driver: a pmd with driver qemu starts one small real guest
#      and destroys it (skipped, with the reason, without qemu, root, a CPU
#      cgroup or the guest image: make guest). The guest runs in qemu's own
#      process, which valgrind does not follow.
# Verdict per process from its valgrind log (vg.PID.log): it must end with
# "ERROR SUMMARY: 0 errors" (memcheck errors and definite/indirect leaks
# count as errors) and not by a signal's default action. A process killed
# (SIGKILL) has no summary and fails too.
#   tests/valgrind/deploy.sh [BIN-DIR]   (default build/bin; make valgrind)
# $VG_KEEP=1 keeps the temporary directory; $VG_PARTS="1 3" runs some parts.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-${XGC_BIN:-$ROOT/build/bin}}
LIB=$(cd "$BIN/.." && pwd)/lib
PARTS=${VG_PARTS:-1 2 3 4}
T=$(mktemp -d /tmp/xgc-valgrind-deploy.XXXXXX)
PORT=$((11000 + (RANDOM % 1600) * 5))     # below the ephemeral ports
skip=0
# shellcheck disable=SC2054  # the commas are valgrind's
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no
    --child-silent-after-fork=yes
    --suppressions="$HERE/xgc.supp" --log-file="$T/vg.%p.log")
# xgc up: valgrind follows it into the daemons it starts (ours only)
VGUP=("${VG[@]}" --trace-children=yes --trace-children-skip='*/sh,*/bash,*qemu*')

CFG=
# shellcheck source=tests/valgrind/lib.sh
. "$HERE/lib.sh"

QEMU_CG=xgc-vg-$$
cleanup() {
    kill_all
    [ -f "$T/a.yaml" ] && "$BIN/xgc" down -c "$T/a.yaml" --timeout 2 > /dev/null 2>&1
    find "$T" -name '*.pid' 2>/dev/null | while read -r f; do
        pid=$(cut -d' ' -f1 "$f")
        [ -n "$pid" ] && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"
    done
    for h in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup; do
        [ -d "$h/$QEMU_CG" ] && find "$h/$QEMU_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    if [ -n "${VG_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# A tool under valgrind (CFG: the deployment file); its exit status is returned.
X() { local c=$1; shift; "${VG[@]}" "$BIN/xgc" "$c" -c "$CFG" "$@"; }
# Tools whose status does not matter here (their logs give the verdict).
run() { "$@" > /dev/null 2>&1; return 0; }

# --- 1. xgc up, the scheduler placing and migrating, the tools, xgc down -----------
part1() {
    CFG=$T/a.yaml
    cat > "$CFG" <<YAML
cluster: vgdeploy
data_dir: $T/a
broker:
  endpoint: tcp://127.0.0.1:$PORT
scheduler:
  debounce_ms: 50
  cooldown_ms: 500
  pmd_args: "--interval-ms 300 --lease-ms 20000 --grace-ms 1500"
metrics:
  listen: 127.0.0.1:$((PORT + 5))
pms:
  - {name: pm1, cpu_mhz: 4000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
  - {name: pm2, cpu_mhz: 4000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
  - {name: pm3, cpu_mhz: 4000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
vms:
  - {name: a1, min_mhz: 500, max_mhz: 1000, mem_mb: 256}
  - {name: a2, min_mhz: 500, max_mhz: 1000, mem_mb: 256}
YAML
    "${VGUP[@]}" "$BIN/xgc" up -c "$CFG" --timeout 180 > "$T/up.log" 2>&1 \
        && ok "xgc up: broker, scheduler, 3 sim pmds under valgrind" \
        || { bad "xgc up: $(cat "$T/up.log")"; return; }
    # vm,name,state,desired_pm,actual_pm,...
    row() { Q status --csv 2>/dev/null | awk -F, -v n="$1" '$1 == "vm" && $2 == n'; }
    on() { row "$1" | awk -F, -v p="$2" '$3 == "running" && $5 == p { f = 1 } END { exit !f }'; }
    where() { row "$1" | awk -F, '$3 == "running" && $4 == $5 { print $5 }'; }
    wait_for 900 eval '[ -n "$(where a1)" ] && [ -n "$(where a2)" ]' \
        && ok "the scheduler placed a1 and a2 ($(where a1), $(where a2))" || bad "placement: $(Q status --csv)"
    src=$(where a1)
    run X status
    run X status --json
    run X status --csv
    run X host list
    X vm add v9 --min 200 --max 400 --mem 128 > /dev/null \
        && X vm set v9 --max 600 > /dev/null && ok "xgc vm add, vm set" || bad "vm add/set"
    run X vm add bad --min 900 --max 100 --mem 1          # refused
    if [ -n "$src" ]; then
        X host drain "$src" > /dev/null && ok "xgc host drain $src" || bad "host drain $src"
        wait_for 900 eval '[ -n "$(where a1)" ] && [ "$(where a1)" != "$src" ] && ! row a2 | grep -q ",$src,"' \
            && ok "the scheduler migrated a1 off $src (to $(where a1))" || bad "drain: $(Q status --csv)"
        X host undrain "$src" > /dev/null && ok "xgc host undrain" || bad "host undrain"
    fi
    X inject arrivals --count 3 --interval-ms 100 --prefix vg --quiet \
        && ok "xgc inject arrivals (3)" || bad "inject arrivals"
    run X inject load --duration 2 --rate 5 --quiet
    run X inject bad --count 3 --quiet
    run X inject churn --count 2 --interval-ms 100 --prefix vc --quiet
    X plan --dry-run > "$T/plan.out" 2>&1 && grep -q "dry run" "$T/plan.out" \
        && ok "xgc plan --dry-run" || bad "plan --dry-run: $(cat "$T/plan.out")"
    X plan --dry-run --observe 1 --all > "$T/plan2.out" 2>&1 \
        && ok "xgc plan --dry-run --observe 1 --all" || bad "plan --observe: $(cat "$T/plan2.out")"
    curl -s "http://127.0.0.1:$((PORT + 5))/metrics" | grep -q '^xgc_vms' \
        && ok "the scheduler's metrics endpoint answers" || bad "metrics endpoint"
    X vm rm v9 > /dev/null && ok "xgc vm rm" || bad "vm rm"
    run X vm rm v9                                          # unknown now
    X down --timeout 120 > "$T/down.log" 2>&1 && grep -q "processes stopped" "$T/down.log" \
        && ok "xgc down" || bad "xgc down: $(cat "$T/down.log")"
}

# --- 2. keygen and a CURVE deployment with a per-VM vmd key ------------------------
part2() {
    CFG=$T/c.yaml
    cat > "$CFG" <<YAML
cluster: vgcurve
data_dir: $T/c
broker:
  endpoint: tcp://127.0.0.1:$((PORT + 10))
scheduler:
  debounce_ms: 50
pms:
  - {name: pm1, cpu_mhz: 4000, mem_mb: 4096, cores: 4, driver_opts: {time_factor: 100}}
security:
  mode: curve
  certs: $T/certs
YAML
    X keygen > /dev/null && X keygen --vm v1 --vm v2 > /dev/null \
        && [ -e "$T/certs/secret/vmd-v1.cert_secret" ] && ok "xgc keygen, keygen --vm" || bad "keygen"
    run X keygen --vm v1                                     # exists: refused
    run X keygen --vm 'a/b'                                  # bad name
    run X keygen --out "$T/other"
    start broker xgc-broker
    wait_for 300 grep -q "broker started" "$T/broker.log" && grep -q "CURVE" "$T/broker.log" \
        && ok "CURVE broker" || { bad "broker: $(cat "$T/broker.log")"; stop_all; return; }
    start pmd xgc-pmd --host pm1 --interval-ms 300 --lease-ms 20000 --grace-ms 1500
    start scheduler xgc-scheduler --metrics ""
    start vmd-v1 xgc-vmd --name v1 --interval-ms 300
    wait_for 600 Q get pm/pm1/info && ok "the pmd registered over CURVE" || bad "pmd: $(cat "$T/pmd.log")"
    X set vm/v1/spec "{v: 1, name: v1, min_mhz: 200, max_mhz: 1000, mem_mb: 256}" > /dev/null
    wait_for 900 eval 'Q get pm/pm1/vm/v1 | grep -q "\"state\":\"running\""' \
        && ok "the scheduler placed v1 on pm1 over CURVE" || bad "v1 placement: $(Q ls pm/)"
    X tail metric.vm. --json -n 1 > "$T/tail.out" 2>&1
    grep -q '"vm":"v1"' "$T/tail.out" && ok "a CURVE xgc tail sees v1's vmd (its own key)" \
        || bad "tail: $(cat "$T/tail.out") $(cat "$T/vmd-v1.log")"
    "${VG[@]}" "$BIN/xgc-vmd" -c "$CFG" --name v2 --interval-ms 200 --count 3 \
        --curve-server "$T/certs/broker.cert" --cert "$T/certs/secret/vmd-v1.cert_secret" > "$T/vmd-v2.log" 2>&1
    wait_for 50 grep -q "event dropped topic=metric.vm.v2" "$T/broker.log" \
        && ok "v1's key claiming v2: the broker drops the event" || bad "no refusal: $(grep dropped "$T/broker.log")"
    run X status --json
    stop_all
}

# --- 3. xgc sim with a plugin policy and --out -----------------------------------
part3() {
    mkdir -p "$T/pl"
    for i in 0 1 2 3 4 5; do
        seq 1 24 | awk -v i=$i '{ print (($1 * 7 + i * 13) % 90) + 5 }' > "$T/pl/vm$i"
    done
    local so=$LIB/xgc-sim-threshold-ffd.so
    [ -s "$so" ] || { bad "no $so (make)"; return; }
    "${VG[@]}" "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --policy "plugin:$so" --out "$T/simout" \
        > "$T/sim.out" 2>&1 && [ -n "$(ls "$T/simout")" ] \
        && ok "xgc sim --policy plugin:... --out ($(ls "$T/simout" | wc -l) files)" \
        || bad "sim plugin: $(cat "$T/sim.out")"
    run "${VG[@]}" "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --policy "plugin:$so:0.5" --json
    run "${VG[@]}" "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --policy "plugin:$T/none.so"
    run "${VG[@]}" "$BIN/xgc" sim --planetlab "$T/pl" --pms 4 --policy xgc --out "$T/simout2"
}

# --- 4. the qemu driver: one real guest created and destroyed ----------------------
part4() {
    local why=
    [ "$(id -u)" = 0 ] || why="needs root (cgroups)"
    command -v qemu-system-x86_64 > /dev/null || why="qemu-system-x86_64 not installed"
    [ -s "$ROOT/build/guest/vmlinux" ] && [ -s "$ROOT/build/guest/initrd.gz" ] \
        || why="${why:-no guest image (make guest)}"
    [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] || [ -e /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us ] \
        || grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2> /dev/null || why="${why:-no CPU cgroup controller}"
    if [ -n "$why" ]; then skip=$((skip + 1)); echo "skip qemu driver: $why"; return; fi
    CFG=$T/q.yaml
    cat > "$CFG" <<YAML
cluster: vgqemu
data_dir: $T/q
broker:
  endpoint: tcp://127.0.0.1:$((PORT + 15))
pms:
  - name: q1
    cpu_mhz: 2000
    cores: 1
    mem_mb: 1024
    driver: qemu
    driver_opts:
      core_mhz: 2000
      guest_mode: idle
      cgroup_parent: $QEMU_CG/q1
      kernel: $ROOT/build/guest/vmlinux
      initrd: $ROOT/build/guest/initrd.gz
YAML
    start qbroker xgc-broker
    start qpmd xgc-pmd --host q1 --state-dir "$T/pmd-q1" --interval-ms 500 --lease-ms 30000
    wait_for 600 Q get pm/q1/info && ok "qemu pmd registered" || bad "qemu pmd: $(cat "$T/qpmd.log")"
    X set vm/qv/spec "{v: 1, name: qv, min_mhz: 250, max_mhz: 500, mem_mb: 96}" > /dev/null
    X set plan/q1/qv "{v: 1, vm: qv, host: q1, state: run, cap_mhz: 500, weight: 256, from: '', round: 1}" > /dev/null
    wait_for 1200 eval 'Q get pm/q1/vm/qv | grep -q "\"state\":\"running\""' \
        && ok "the qemu pmd started a real guest" || bad "qemu start: $(Q get pm/q1/vm/qv) $(tail -5 "$T/qpmd.log")"
    local qpid
    qpid=$(cut -d' ' -f1 "$T/pmd-q1/qemu/qv.pid" 2>/dev/null)
    wait_for 600 grep -q "GUEST-READY" "$T/pmd-q1/qemu/qv.serial" \
        && ok "the guest boots (GUEST-READY on its console)" || bad "guest console: $(tail -3 "$T/pmd-q1/qemu/qv.serial")"
    X set plan/q1/qv "{v: 1, vm: qv, host: q1, state: stop, cap_mhz: 0, weight: 256, from: '', round: 2}" > /dev/null
    wait_for 600 eval '! Q get pm/q1/vm/qv' && { [ -z "$qpid" ] || ! kill -0 "$qpid" 2>/dev/null; } \
        && ok "the qemu pmd destroyed it (no qemu left)" || bad "qemu destroy: $(Q get pm/q1/vm/qv)"
    stop_all
}

for p in $PARTS; do
    echo "--- part $p"
    "part$p"
done

# Verdicts from the logs: every process ran to valgrind's summary with no error.
n=0
for f in "$T"/vg.*.log; do
    [ -s "$f" ] || continue
    n=$((n + 1))
    cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -1)
    if grep -q "ERROR SUMMARY: 0 errors" "$f" && ! grep -q "Process terminating" "$f"; then
        continue
    fi
    bad "valgrind: ${cmd#$BIN/}"
    echo "--- $f"; grep -v '^==[0-9]*== \(Copyright\|Using Valgrind\|Memcheck,\|Command\|Parent PID\|$\)' "$f" | head -80
done
[ "$n" -gt 0 ] && ok "$n processes ran under valgrind; verdicts above (none = clean)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
