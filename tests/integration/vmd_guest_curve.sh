#!/usr/bin/env bash
# A real QEMU guest whose static vmd reports over CURVE: the guest image
# with the keys in its initramfs (vmd/guest/mkinitrd.sh with a keygen
# directory, as `make guest GUEST_CERTS=DIR` does) boots against a broker
# with `security: curve`, reaching it through qemu's user network
# (10.0.2.2 = the host's loopback); its metric.vm.<name> arrives at a CURVE
# `xgc tail`. The same image without keys gets nothing through and says
# why on its console. Skipped (counted) where QEMU or the guest kernel
# (make guest: apt-get download) is not available.
set -u
. "$(dirname "$0")/pmd_lib.sh"
root=${XGC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
skip_all() { echo "SKIP: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
command -v qemu-system-x86_64 > /dev/null || skip_all "qemu-system-x86_64 not installed"
[ -x "$BIN/xgc-vmd-static" ] || skip_all "no xgc-vmd-static"
make -s -C "$root" guest > /dev/null 2>&1 || skip_all "cannot build the guest image (make guest)"

xgc_test_setup vmdguest
printf 'security:\n  mode: curve\n  certs: certs\n' >> "$T/x.yaml"
"$BIN/xgc" keygen -c "$T/x.yaml" > /dev/null 2>&1 || bad "keygen"
"$root/vmd/guest/mkinitrd.sh" "$root/build/guest" "$T/keys.gz" "$BIN/xgc-vmd-static" "$T/certs"
"$root/vmd/guest/mkinitrd.sh" "$root/build/guest" "$T/nokeys.gz" "$BIN/xgc-vmd-static"
[ "$(stat -c %a "$T/keys.gz")" = 600 ] \
    && zcat "$T/keys.gz" | cpio -t --quiet 2>/dev/null | grep -q "etc/xgc/vmd.cert_secret" \
    && ok "the image with keys holds /etc/xgc/vmd.cert_secret and is mode 0600" \
    || bad "keys image: $(stat -c %a "$T/keys.gz")"
start_broker || { xgc_test_end; exit 1; }

boot() {  # NAME INITRD: a guest reporting to the broker's event port
    qemu-system-x86_64 -accel tcg,tb-size=32 -m 256 -smp 1 -nodefaults -no-user-config \
        -display none -no-reboot -kernel "$root/build/guest/vmlinux" -initrd "$2" \
        -append "console=ttyS0 panic=-1 quiet no_timer_check xgc.vm=$1 xgc.broker=tcp://10.0.2.2:$((PORT + 2))" \
        -serial "file:$T/$1.serial" -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
        > "$T/$1.qemu" 2>&1 &
    PIDS+=($!)
}
boot g1 "$T/keys.gz"
boot g2 "$T/nokeys.gz"
timeout $((40 * ${XGC_TEST_SLACK:-3})) "$BIN/xgc" tail metric.vm. -c "$T/x.yaml" --json -n 1 \
    --where vm=g1 > "$T/g1.out" 2>&1
grep -q '"vm":"g1"' "$T/g1.out" && grep -aq "VMD security=initramfs" "$T/g1.serial" \
    && grep -aq "publishing to .* (CURVE)" "$T/g1.serial" \
    && ok "a guest with the keys in its initramfs reports over CURVE" \
    || bad "guest g1: '$(cat "$T/g1.out")' $(grep -a xgc "$T/g1.serial")"
wait_for 100 "grep -aq 'security mismatch: the broker uses CURVE' '$T/g2.serial'" \
    && ok "a guest without keys says the broker uses CURVE" \
    || bad "guest g2: $(grep -a xgc "$T/g2.serial")"
timeout 2 "$BIN/xgc" tail metric.vm. -c "$T/x.yaml" --json -n 1 --where vm=g2 > "$T/g2.out" 2>&1
grep -q '"vm":"g2"' "$T/g2.out" && bad "guest g2's metric went through" \
    || ok "and none of its metrics gets through"

xgc_test_end
