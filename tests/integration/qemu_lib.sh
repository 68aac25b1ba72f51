# qemu_lib.sh — shared by the qemu integration tests (sourced, not run):
# deciding whether real VMs can run here, building the guest, cleaning up.
# Expects $root (the repository).

qemu_skip() {
    echo "SKIP: $*"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}

# Skip (exit 0, counted as skipped) unless QEMU can run VMs here.
qemu_require_or_skip() {
    what=$1
    [ "$(id -u)" = 0 ] || qemu_skip "$what: needs root (namespaces, cgroups)"
    command -v qemu-system-x86_64 >/dev/null || qemu_skip "$what: qemu-system-x86_64 not installed (make deps)"
    ip netns list >/dev/null 2>&1 || qemu_skip "$what: no network namespaces (iproute2)"
    [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] || [ -e /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us ] ||
        grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null ||
        qemu_skip "$what: no CPU cgroup controller"
    make -s -C "$root" guest >/dev/null 2>"/tmp/xgc-guest-$$.log" || {
        tail -3 "/tmp/xgc-guest-$$.log"; rm -f "/tmp/xgc-guest-$$.log"
        qemu_skip "$what: cannot build the guest image (make guest: apt-get download needs the Debian mirror)"
    }
    rm -f "/tmp/xgc-guest-$$.log"
}

# Kill every qemu whose pid file is under dir (any depth).
qemu_kill_vms() {
    find "$1" -name '*.pid' 2>/dev/null | while read -r f; do
        pid=$(cut -d' ' -f1 "$f")
        [ -n "$pid" ] && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    done
    sleep 0.2
}

# Remove the test's cgroups (glob under each CPU hierarchy), deepest first.
qemu_rm_cgroups() {
    for h in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuacct /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup; do
        for d in "$h"/$1; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
    done
    return 0
}

# A /24 "10.B.x" that no interface here uses, starting from x = $$ % 250
# (a concurrent run, or a bridge left by a killed one, must not share it).
qemu_free_net() {
    x=$(( $$ % 250 ))
    for _ in $(seq 250); do
        ip -o addr | grep -q " 10\.$1\.$x\." || { echo "10.$1.$x"; return 0; }
        x=$(( (x + 1) % 250 ))
    done
    echo "10.$1.$(( $$ % 250 ))"
}
