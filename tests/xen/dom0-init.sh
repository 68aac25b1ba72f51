#!/bin/sh
# PID 1 of a nested Xen host's dom0 (installed as /xgc/init.sh in dom0.img,
# booted with init=/xgc/init.sh). No systemd: mount, load the Xen backends,
# start xenstored / xen-init-dom0 / xenconsoled, set up the network, unpack
# the payload (second disk, a tar) and run its start.sh, then reap forever.
#
# Kernel command line keys (set by tests/xen/xenhost.sh):
#   xname=NAME      host name            xidx=N     link address 10.0.0.N on eth1
#   xrelay=P:P:...  TCP ports relayed from the domU bridge (192.168.100.1:P)
#                   to the real host (10.0.2.2:P), so that guests reach the broker
# Network: eth0 = QEMU user net (10.0.2.15, host at 10.0.2.2; hostfwd reaches
# the control ports 7000/7001 below), eth1 = the link between nested hosts,
# xenbr0 = 192.168.100.1/24, the bridge domU vifs join (bridge=xenbr0).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
ts() { echo "XGC-TS $(cut -d' ' -f1 /proc/uptime) $*"; }
arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t xenfs xenfs /proc/xen
mkdir -p /run/xen /run/xenstored /var/log/xen/console /var/lib/xen /payload
ts init-start

name=$(arg xname); idx=$(arg xidx); relay=$(arg xrelay)
[ -n "$name" ] && hostname "$name"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback e1000 bridge; do
    modprobe "$m" 2>/dev/null
done

xenstored --pid-file /run/xenstored.pid
xen-init-dom0 >/var/log/xen/init-dom0.log 2>&1
xenconsoled --log=guest --log-dir=/var/log/xen/console
ts xen-tools-up

ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
if [ -n "$idx" ] && ip link show eth1 >/dev/null 2>&1; then
    ip link set eth1 up && ip addr add "10.0.0.$idx/24" dev eth1
fi
ip link add xenbr0 type bridge && ip addr add 192.168.100.1/24 dev xenbr0 && ip link set xenbr0 up
for p in $(echo "$relay" | tr ':' ' '); do
    socat "TCP-LISTEN:$p,bind=192.168.100.1,reuseaddr,fork" "TCP:10.0.2.2:$p" &
done
# Control channel for the test harness, reachable only through QEMU's hostfwd
# on the host's loopback: 7000 runs the received text with sh (output back),
# 7001 unpacks a tar into /payload (to push a rebuilt xgc-pmd without a reboot).
socat -t 3600 TCP-LISTEN:7000,reuseaddr,fork EXEC:/bin/sh,stderr &
socat -u TCP-LISTEN:7001,reuseaddr,fork "SYSTEM:tar xf - -C /payload" &

[ -b /dev/vdb ] && tar xf /dev/vdb -C /payload 2>/dev/null
ts payload
if [ -x /payload/start.sh ]; then
    /payload/start.sh >/var/log/xen/payload.log 2>&1 &
fi
echo "XGC-DOM0-READY $(hostname) $(cut -d' ' -f1 /proc/uptime)"
while :; do wait; sleep 1; done
