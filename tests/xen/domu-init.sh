#!/bin/sh
# PID 1 of the test domU (busybox initramfs built by tests/xen/rig.sh).
# Kernel command line (the xl config's extra=): xgc.name=VM xgc.ip=A.B.C.D
# (on the dom0 bridge 192.168.100.0/24) xgc.broker=tcp://192.168.100.1:PORT.
# Starts the static xgc-vmd when the image has one, and always prints a
# tick with the uptime every 5 s on the console, so that a test can see the
# guest run on (and its uptime continue across a live migration).
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
name=$(arg xgc.name); ip=$(arg xgc.ip); broker=$(arg xgc.broker)
[ -n "$name" ] && hostname "$name"
ip link set lo up
insmod /lib/xen-netfront.ko 2>/dev/null   # a module in the cloud kernel
if [ -n "$ip" ] && ip link set eth0 up 2>/dev/null; then
    ip addr add "$ip/24" dev eth0
    ip route add default via 192.168.100.1
    ping -c 1 -W 5 192.168.100.1 >/dev/null 2>&1 && echo "DOMU-NET-OK $ip"
fi
echo "DOMU-UP name=$name uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -x /bin/xgc-vmd ] && [ -n "$broker" ]; then
    /bin/xgc-vmd --name "$name" --broker "$broker" &
fi
n=0
while :; do
    echo "DOMU-TICK $n uptime=$(cut -d' ' -f1 /proc/uptime)"
    n=$((n + 1))
    sleep 5
done
