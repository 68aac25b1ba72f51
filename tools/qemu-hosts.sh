#!/bin/sh
# qemu-hosts.sh up|down|status [PREFIX [N]] — simulated hosts for real VMs.
#
# Makes N network namespaces PREFIX1..PREFIXN (default xgcq1, xgcq2), each a
# "host" with one private address 10.77.0.<i>/24 that exists only inside it,
# all joined by a bridge PREFIXbr in the root namespace that holds
# 10.77.0.254 (where the broker listens, so that pmds in the namespaces and
# guests behind their slirp reach it). Each host's pmd runs its qemus in its
# namespace (driver_opts netns) and receives migrations on its own address,
# so a live migration really crosses the veth "wire".
#   XGC_QEMU_NET=10.77.0   the /24 to use
# Idempotent: `up` skips what exists; `down` removes what is there, and
# first ends the processes still running in the namespaces (VMs outlive
# their pmd by design: `xgc down` leaves them) and removes the CPU cgroups
# under xgc/ that are left empty.
set -eu
cmd=${1:-}; prefix=${2:-xgcq}; n=${3:-2}
net=${XGC_QEMU_NET:-10.77.0}
br=${prefix}br

up() {
    ip link show "$br" >/dev/null 2>&1 || {
        ip link add "$br" type bridge
        ip addr add "$net.254/24" dev "$br"
        ip link set "$br" up
    }
    i=1
    while [ "$i" -le "$n" ]; do
        ns=$prefix$i
        if ! ip netns list | grep -qw "^$ns"; then
            ip netns add "$ns"
            ip link add "${ns}h" type veth peer name "${ns}g"
            ip link set "${ns}g" netns "$ns"
            ip link set "${ns}h" master "$br" up
            ip -n "$ns" link set lo up
            ip -n "$ns" link set "${ns}g" name eth0
            ip -n "$ns" addr add "$net.$i/24" dev eth0
            ip -n "$ns" link set eth0 up
        fi
        echo "$ns $net.$i"
        i=$((i + 1))
    done
}

# the empty groups the qemu driver made under xgc/<host>/ (default parent)
prune_cgroups() {
    for h in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuacct /sys/fs/cgroup/cpu,cpuacct; do
        [ -d "$h/xgc" ] && find "$h/xgc" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
        [ -d "$h/xgc" ] && rmdir "$h/xgc" 2>/dev/null
    done
    return 0
}

down() {
    i=1
    while [ "$i" -le "$n" ]; do
        ns=$prefix$i
        pids=$(ip netns pids "$ns" 2>/dev/null)
        if [ -n "$pids" ]; then
            echo "stopping in $ns:" $pids >&2
            # shellcheck disable=SC2086
            kill $pids 2>/dev/null || true; sleep 0.5
            # shellcheck disable=SC2086
            kill -9 $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || true
        fi
        if ip netns list | grep -qw "^$ns"; then ip netns del "$ns"; fi
        if ip link show "${ns}h" >/dev/null 2>&1; then ip link del "${ns}h"; fi
        i=$((i + 1))
    done
    if ip link show "$br" >/dev/null 2>&1; then ip link del "$br"; fi
    prune_cgroups
}

case "$cmd" in
    up) up ;;
    down) down ;;
    status) ip netns list | grep "^$prefix" || true; ip -br addr show "$br" 2>/dev/null || true ;;
    *) echo "usage: $0 up|down|status [PREFIX [N]]" >&2; exit 2 ;;
esac
