#!/bin/sh
# The qemu driver against real QEMU (no broker or pmd needed): two
# simulated hosts in network namespaces, a busy guest created on one,
# capped at 25 %, live-migrated to the other, capped there, destroyed.
# See tests/integration/qemu_driver_check.c for the checks. Skipped (and
# counted as skipped) where QEMU, root, network namespaces, a CPU cgroup or
# the guest image are not available.
root=${XGC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$root/tests/integration/qemu_lib.sh"

qemu_require_or_skip "qemu driver"
work=$(mktemp -d /tmp/xgc-qd-XXXXXX)
prefix=xqd$$
export XGC_QEMU_NET=$(qemu_free_net 79)
cleanup() {
    qemu_kill_vms "$work"
    "$root/tools/qemu-hosts.sh" down "$prefix" 2 >/dev/null 2>&1
    qemu_rm_cgroups "xgc-test-$$"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM HUP PIPE

"$root/tools/qemu-hosts.sh" up "$prefix" 2 >/dev/null || qemu_skip "cannot create network namespaces"
export XGC_QEMU_CGROUP=xgc-test-$$    # the check's cgroup parent: ours only
make -s -C "$root" build/qemu_driver_check || { echo "0 passed, 1 failed"; exit 1; }
cd "$root" && build/qemu_driver_check "${prefix}1" "$XGC_QEMU_NET.1" "${prefix}2" "$XGC_QEMU_NET.2" "$work"
