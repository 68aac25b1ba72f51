#!/usr/bin/env bash
# Per-VM vmd keys handed out by the qemu driver (docs/security.md): a
# broker with `security: curve`, xgc-pmds with the qemu driver and the
# plain guest image (no keys in it), two VMs of which keygen gave one its
# own certificate (xgc keygen --vm k1):
#   - k1's qemu gets the key pair as fw_cfg opt/xgc/cert (a file path) and
#     the broker's public key on the kernel command line: its secret key is
#     nowhere in qemu's command line; the guest's vmd reads the key from
#     /sys/firmware/qemu_fw_cfg and its metric.vm.k1 reaches a CURVE tail;
#   - k2, without its own certificate, gets no fw_cfg item and falls back to
#     the image's keys (none here: its vmd says the broker uses CURVE, and
#     nothing of it gets through);
#   - k1 live-migrates to a second pmd (qk2, same machine, its own migration
#     ports): the incoming qemu gets the same fw_cfg item, and the guest's
#     vmd, still running, reports over CURVE from there.
# Real guests under TCG (~15 s).
# (The pmd publishes metric.vm.<vm> too, from the host: the vmd's own are
# those without a host.) Skipped (counted) without QEMU, root, a CPU
# cgroup or the guest image.
set -u
root=${XGC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$root/tests/integration/qemu_lib.sh"
. "$root/tests/integration/pmd_lib.sh"
[ -x "$BIN/xgc-pmd" ] && [ -x "$BIN/xgc-vmd-static" ] || qemu_skip "per-VM guest keys: build first"
qemu_require_or_skip "per-VM guest keys"
zcat "$root/build/guest/initrd.gz" | cpio -t --quiet 2>/dev/null | grep -q 'qemu_fw_cfg.ko' ||
    qemu_skip "per-VM guest keys: the guest kernel has no qemu_fw_cfg module"

xgc_test_setup guestkey
cg="xgc-gk-$$"
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    qemu_kill_vms "$T"
    qemu_rm_cgroups "$cg"
    xgc_test_cleanup
}
trap cleanup EXIT INT TERM
cat >> "$T/x.yaml" <<YAML
security:
  mode: curve
  certs: certs
pms:
YAML
for i in 1 2; do
    h=qk; [ $i = 2 ] && h=qk2
    cat >> "$T/x.yaml" <<YAML
  - name: $h
    cpu_mhz: 2000
    cores: 1
    mem_mb: 1024
    driver: qemu
    address: tcp://127.0.0.1:$((PORT + 100 * i))
    driver_opts:
      guest_broker: tcp://10.0.2.2:$((PORT + 2))
      migrate_port: $((PORT + 100 * i))
      migrate_ports: 4
      core_mhz: 2000
      cgroup_parent: $cg/$h
      kernel: $root/build/guest/vmlinux
      initrd: $root/build/guest/initrd.gz
YAML
done
X keygen > /dev/null 2>&1 && X keygen --vm k1 > /dev/null 2>&1 || bad "keygen"
start_broker || { xgc_test_end; exit 1; }
# (the broker's port is in the file now: the guests reach it at 10.0.2.2)
sed -i "s#guest_broker: .*#guest_broker: tcp://10.0.2.2:$((PORT + 2))#" "$T/x.yaml"
"$BIN/xgc-pmd" -c "$T/x.yaml" --host qk --state-dir "$T/pmd" --interval-ms 500 > "$T/pmd.log" 2>&1 &
PIDS+=($!)
"$BIN/xgc-pmd" -c "$T/x.yaml" --host qk2 --state-dir "$T/pmd2" --interval-ms 500 > "$T/pmd2.log" 2>&1 &
PIDS+=($!)
wait_for() { local n=$1; shift; for _ in $(seq "$n"); do eval "$1" && return 0; sleep 0.2; done; return 1; }
wait_for 100 'X get pm/qk/info > /dev/null 2>&1 && X get pm/qk2/info > /dev/null 2>&1' ||
    bad "the pmds did not register: $(tail -5 "$T/pmd.log" "$T/pmd2.log")"
for vm in k1 k2; do
    X set "vm/$vm/spec" "{v: 1, name: $vm, min_mhz: 100, max_mhz: 2000, shares: 256, mem_mb: 128, utility_min: 1, utility_max: 2}" > /dev/null
    X set "plan/qk/$vm" "{v: 1, vm: $vm, host: qk, state: run, cap_mhz: 2000, weight: 256, from: '', round: 1, reason: test}" > /dev/null
done
wait_for 100 '[ -s "$T/pmd/qemu/k1.pid" ] && [ -s "$T/pmd/qemu/k2.pid" ]' || bad "no qemu started: $(tail -5 "$T/pmd.log")"
args() { tr '\0' ' ' < "/proc/$(cut -d' ' -f1 "$T/${2:-pmd}/qemu/$1.pid")/cmdline"; }
a1=$(args k1); a2=$(args k2)
secret=$(sed -n 's/.*secret-key = "\(.*\)"/\1/p' "$T/certs/secret/vmd-k1.cert_secret")
server=$(sed -n 's/.*public-key = "\(.*\)"/\1/p' "$T/certs/broker.cert")
case "$a1" in
    *"-fw_cfg name=opt/xgc/cert,file=$T/certs/secret/vmd-k1.cert_secret "*"xgc.curve_server=$server"*|\
    *"xgc.curve_server=$server"*"-fw_cfg name=opt/xgc/cert,file=$T/certs/secret/vmd-k1.cert_secret "*)
        [ ${#secret} = 40 ] && case "$a1" in *"$secret"*) false ;; esac \
            && ok "k1's qemu: its key pair by fw_cfg file, the broker's public key on the command line, no secret in ps" \
            || bad "k1's secret key is on qemu's command line" ;;
    *) bad "k1's qemu command line: $a1" ;;
esac
case "$a2" in
    *fw_cfg*|*curve_server*) bad "k2 (no certificate of its own) got a key: $a2" ;;
    *) ok "k2, without a certificate of its own, gets no key from the driver" ;;
esac
grep -q "vm k1: its own vmd key" "$T/pmd.log" && ok "the pmd logs that k1 gets its own key" \
    || bad "pmd log: $(grep -i key "$T/pmd.log")"

timeout $((40 * ${XGC_TEST_SLACK:-3})) "$BIN/xgc" tail metric.vm.k1 -c "$T/x.yaml" --json -n 1 \
    --where vm=k1 --where host= > "$T/k1.out" 2>&1
s1="$T/pmd/qemu/k1.serial"
grep -q '"vm":"k1"' "$T/k1.out" && grep -aq "cert=/sys/firmware/qemu_fw_cfg/by_name/opt/xgc/cert/raw" "$s1" \
    && grep -aq "publishing to .* (CURVE)" "$s1" \
    && ok "k1's vmd reads its own key from fw_cfg and reports over CURVE (an image without keys)" \
    || bad "k1: '$(cat "$T/k1.out")' $(grep -a xgc "$s1" | tail -5)"
! grep -aqF "$secret" "$s1" && ok "k1's console shows no secret key" || bad "k1's secret on its console"
grep -q "event dropped.*vm=k1" "$T/broker.log" && bad "k1's own metrics were dropped" \
    || ok "the broker drops none of k1's own metrics"
wait_for 150 "grep -aq 'security mismatch: the broker uses CURVE' '$T/pmd/qemu/k2.serial'" \
    && ok "k2 falls back to its image's keys (none: it says the broker uses CURVE)" \
    || bad "k2: $(grep -a xgc "$T/pmd/qemu/k2.serial" | tail -5)"
timeout 2 "$BIN/xgc" tail metric.vm.k2 -c "$T/x.yaml" --json -n 1 --where vm=k2 --where host= > "$T/k2.out" 2>&1
grep -q '"vm":"k2"' "$T/k2.out" && bad "k2's metric went through" || ok "and none of k2's metrics gets through"

# live migration of k1 to qk2: the same key goes with it, its vmd goes on
up0=$(sed -n 's/.*"uptime_s":\([0-9.]*\).*/\1/p' "$T/k1.out")
X set plan/qk2/k1 "{v: 1, vm: k1, host: qk2, state: run, cap_mhz: 2000, weight: 256, from: qk, round: 2, reason: test}" > /dev/null
X del plan/qk/k1 > /dev/null
wait_for 300 'X get pm/qk2/vm/k1 2>/dev/null | grep -q "\"state\": *\"running\"" && [ ! -e "$T/pmd/qemu/k1.pid" ]' \
    && ok "k1 live-migrated to qk2" || bad "k1 migration: $(tail -3 "$T/pmd.log" "$T/pmd2.log")"
case "$(args k1 pmd2 2>/dev/null)" in
    *"-fw_cfg name=opt/xgc/cert,file=$T/certs/secret/vmd-k1.cert_secret "*"-incoming"*)
        ok "the incoming qemu got the same fw_cfg item" ;;
    *) bad "k1's incoming qemu: $(args k1 pmd2 2>&1)" ;;
esac
up1=
after() {
    timeout 10 "$BIN/xgc" tail metric.vm.k1 -c "$T/x.yaml" --json -n 1 --where vm=k1 --where host= \
        > "$T/k1b.out" 2>&1
    up1=$(sed -n 's/.*"uptime_s":\([0-9.]*\).*/\1/p' "$T/k1b.out")
    [ -n "$up1" ]
}
wait_for 6 after && [ -n "$up0" ] && awk "BEGIN {exit !($up1 > $up0)}" \
    && ! grep -q "event dropped.*vm=k1" "$T/broker.log" \
    && ok "after the move k1's vmd (uptime $(printf %.1f "$up0") -> $(printf %.1f "$up1") s) reports over CURVE with its own key" \
    || bad "k1 after the move: '$(cat "$T/k1b.out")' $(grep dropped "$T/broker.log" | tail -2)"

X del plan/qk2/k1 > /dev/null; X del plan/qk/k2 > /dev/null
for vm in k1 k2; do X del "vm/$vm/spec" > /dev/null; done
wait_for 100 '[ ! -e "$T/pmd2/qemu/k1.pid" ] && [ ! -e "$T/pmd/qemu/k2.pid" ]' \
    && ok "both VMs removed" || bad "VMs left: $(ls "$T/pmd/qemu")"
xgc_test_end
