#!/bin/sh
# Boot, drive and stop nested Xen hosts (QEMU TCG) from the rig in build/xen.
#
#   xenhost.sh start NAME IDX       boot host NAME (IDX 1 or 2) and wait for dom0
#   xenhost.sh run NAME IDX         launcher for `xgc up` (pmd: {launcher: ...}):
#                                   payload from $XGC_CONFIG, boot, stay until stopped
#   xenhost.sh stop NAME...|all     stop hosts; no QEMU is left behind
#   xenhost.sh exec NAME CMD        run CMD with sh in NAME's dom0; its exit status
#   xenhost.sh push NAME DIR        copy DIR's contents into NAME's /payload
#   xenhost.sh payload DIR [CONFIG] write a payload (with CONFIG: an xgc-pmd for it)
#   xenhost.sh list                 running hosts
#
# Each host: -m $XEN_MEM (2048) with dom0_mem=512M, -smp $XEN_SMP (2), the
# shared dom0.img with snapshot=on, a payload disk (tar of $XEN_PAYLOAD, run
# by dom0 as /payload/start.sh), eth0 = user net (dom0 reaches the host's
# loopback at 10.0.2.2; host 127.0.0.1:BASE+10*IDX -> dom0 control shell,
# +1 -> payload push), eth1 = a UDP link between host 1 (10.0.0.1) and host 2
# (10.0.0.2). Ports in $XEN_RELAY (colon-separated) are relayed from the domU
# bridge to the host. State in $XEN_RUN/NAME (pid, serial.log).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${XGC_BIN:-$root/build/bin}
rig=${XEN_RIG:-$root/build/xen}
run=${XEN_RUN:-$rig/run}
base=${XEN_PORT_BASE:-27100}

die() { echo "xenhost: $*" >&2; exit 1; }
now() { date +%s.%N | cut -c1-14; }
qpid() { cat "$run/$1/pid" 2>/dev/null; }
alive() {  # pid is a live QEMU of ours
    [ -n "$1" ] && grep -q qemu-system "/proc/$1/cmdline" 2>/dev/null
}
ctl_port() { echo $((base + 10 * $(cat "$run/$1/idx"))); }

s_stop_one() {
    p=$(qpid "$1")
    if alive "$p"; then
        kill -TERM "$p" 2>/dev/null
        i=0; while alive "$p" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        alive "$p" && kill -KILL "$p" 2>/dev/null
        while alive "$p"; do sleep 0.1; done
    fi
    rm -f "$run/$1/pid"
}

s_start() {
    name=$1; idx=$2
    case "$idx" in 1|2) ;; *) die "IDX must be 1 or 2";; esac
    for f in xen.elf dom0-vmlinuz dom0-initrd dom0.img; do
        [ -f "$rig/$f" ] || die "missing $rig/$f (run make xen-rig)"
    done
    d=$run/$name; mkdir -p "$d"
    alive "$(qpid "$name")" && die "$name is already running"
    echo "$idx" > "$d/idx"
    tar cf "$d/payload.tar" -C "${XEN_PAYLOAD:-$here/payload-empty}" . 2>/dev/null ||
        tar cf "$d/payload.tar" -T /dev/null
    ctl=$((base + 10 * idx)); lport=$((base + 10 * idx + 5)); rport=$((base + 10 * (3 - idx) + 5))
    relay=${XEN_RELAY:-}
    cmdline="console=hvc0 net.ifnames=0 root=/dev/vda rw init=/xgc/init.sh xname=$name xidx=$idx${relay:+ xrelay=$relay}"
    : > "$d/serial.log"
    t0=$(now)
    trap 's_stop_one "$name"; exit 1' INT TERM HUP
    # in the foreground (run), QEMU stays in our process group, so that
    # `xgc down` (which signals the launcher's group) stops it even if we
    # are killed first
    detach=setsid; [ -n "${XEN_FOREGROUND:-}" ] && detach=env
    $detach qemu-system-x86_64 -accel tcg,tb-size=256 -cpu qemu64,+svm,+npt \
        -m "${XEN_MEM:-2048}" -smp "${XEN_SMP:-2}" -display none -monitor none -no-reboot \
        -serial "file:$d/serial.log" -kernel "$rig/xen.elf" \
        -append "dom0_mem=512M,max:512M console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot" \
        -initrd "$rig/dom0-vmlinuz $cmdline,$rig/dom0-initrd" \
        -drive "file=$rig/dom0.img,if=virtio,format=raw,snapshot=on" \
        -drive "file=$d/payload.tar,if=virtio,format=raw,readonly=on" \
        -netdev "user,id=u0,hostfwd=tcp:127.0.0.1:$ctl-:7000,hostfwd=tcp:127.0.0.1:$((ctl + 1))-:7001" \
        -device "e1000,netdev=u0,mac=52:54:00:00:0$idx:01" \
        -netdev "socket,id=l0,udp=127.0.0.1:$rport,localaddr=127.0.0.1:$lport" \
        -device "e1000,netdev=l0,mac=52:54:00:00:0$idx:02" \
        </dev/null >"$d/qemu.log" 2>&1 &
    echo $! > "$d/pid"
    i=0; while ! alive $! && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done   # until exec'd
    limit=${XEN_BOOT_TIMEOUT:-600}; i=0
    while ! grep -q XGC-DOM0-READY "$d/serial.log" 2>/dev/null; do
        if ! alive "$(qpid "$name")"; then
            tail -n 20 "$d/qemu.log" "$d/serial.log" >&2; s_stop_one "$name"; die "$name: QEMU exited during boot"
        fi
        i=$((i + 1))
        [ $i -gt $((limit * 2)) ] && { tail -n 30 "$d/serial.log" >&2; s_stop_one "$name"; die "$name: no XGC-DOM0-READY in ${limit}s"; }
        sleep 0.5
    done
    echo "xenhost: $name up in $(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s (ctl 127.0.0.1:$ctl)"
    [ -n "${XEN_FOREGROUND:-}" ] && return 0
    trap - INT TERM HUP
}

# s_payload DIR [CONFIG]: what a host's payload disk holds: the domU's
# kernel, initramfs and xl config (domu.cfg), libxl_probe; with a deployment
# CONFIG also xgc-pmd, the deployment rewritten for dom0 (xgc.yaml: the
# broker at 10.0.2.2, this machine as dom0 sees it), one <vm>.cfg per VM of
# its vms: (and of $XEN_VMS) carrying the guest's identity for its xgc-vmd,
# and start.sh running pmd.sh (which keeps xgc-pmd running).
s_payload() {
    p=$1; mkdir -p "$p"
    for f in libxl_probe domu-vmlinuz domu-initrd; do
        cp "$rig/$f" "$p/" || die "missing $rig/$f (run make xen-rig)"
    done
    cat > "$p/domu.cfg" <<CFG
# PVH test domU: the cloud kernel and the busybox (+ xgc-vmd) initramfs
type = "pvh"
kernel = "/payload/domu-vmlinuz"
ramdisk = "/payload/domu-initrd"
memory = 128
vcpus = 1
vif = [ 'bridge=xenbr0' ]
on_crash = "destroy"
# the guest cannot power off (PVH, no ACPI power control): its poweroff
# resets it, which ends the domain here (docs/xen-nested.md, pitfalls)
on_reboot = "destroy"
CFG
    [ $# -ge 2 ] || return 0
    cfg=$2
    port=$(broker_port "$cfg") || die "$cfg: no broker port (xgc config check)"
    cp "$bin/xgc-pmd" "$here/pmd.sh" "$p/" || die "missing $bin/xgc-pmd (make all)"
    sed -E -e 's|^data_dir:.*|data_dir: /var/lib/xgc|' \
        -e '/^[[:space:]]*endpoint:/ s#tcp://(127\.0\.0\.1|localhost|\*|0\.0\.0\.0):#tcp://10.0.2.2:#' \
        -e "s|driver: xl|driver: ${XEN_PMD_DRIVER:-xl}|" "$cfg" > "$p/xgc.yaml"
    i=11
    for vm in $(vm_names "$cfg") ${XEN_VMS:-}; do
        { cat "$p/domu.cfg"
          echo "extra = \"console=hvc0 xgc.name=$vm xgc.ip=192.168.100.$i xgc.broker=tcp://192.168.100.1:$((port + 2))\""
        } > "$p/$vm.cfg"
        i=$((i + 1))
    done
    printf '#!/bin/sh\nexec /payload/pmd.sh start\n' > "$p/start.sh"
    chmod +x "$p/pmd.sh" "$p/start.sh"
}
# The broker's base port of a deployment, as xgc reads it.
broker_port() {
    "$bin/xgc" config check -c "$1" | sed -n 's|^  broker *tcp://.*:\([0-9]*\)$|\1|p' | grep .
}
# The names of the VMs in a deployment's vms: (block style, `- name: X`).
vm_names() {
    awk '/^[^ #]/ { in_vms = ($1 == "vms:") }
         in_vms && /^[ \t]*-?[ \t]*name:/ { sub(/.*name:[ \t]*/, ""); sub(/[ \t#].*/, ""); print }' "$1"
}

# s_run NAME IDX: a launcher of `xgc up` (XGC_CONFIG, XGC_BIN set by it):
# the payload for the deployment, the broker's ports relayed to the guests,
# then boot and stay in the foreground with QEMU until stopped.
s_run() {
    cfg=${XGC_CONFIG:-}; [ -f "$cfg" ] || die "run: XGC_CONFIG must name the deployment"
    d=$run/$1; mkdir -p "$d"; rm -rf "$d/payload"
    s_payload "$d/payload" "$cfg"
    port=$(broker_port "$cfg")
    XEN_PAYLOAD=$d/payload XEN_RELAY="$port:$((port + 1)):$((port + 2)):$((port + 3))" \
        XEN_FOREGROUND=1 s_start "$1" "$2"
    wait "$(qpid "$1")"
    echo "xenhost: $1: QEMU exited (status $?)"; tail -n 20 "$d/serial.log"
    rm -f "$d/pid"; exit 1
}

s_exec() {  # send the command to the dom0 shell; last line carries its status
    name=$1; shift
    alive "$(qpid "$name")" || die "$name is not running"
    out=$(printf '%s\necho "XGC-RC=$?"\n' "$*" | socat -t 3600 - "TCP:127.0.0.1:$(ctl_port "$name")") ||
        die "$name: control connection failed"
    printf '%s\n' "$out" | grep -v '^XGC-RC='
    rc=$(printf '%s\n' "$out" | sed -n 's/^XGC-RC=//p' | tail -1)
    return "${rc:-255}"
}

s_push() {
    alive "$(qpid "$1")" || die "$1 is not running"
    tar cf - -C "$2" . | socat -u - "TCP:127.0.0.1:$(( $(ctl_port "$1") + 1 ))"
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
    start) [ $# -eq 2 ] || die "usage: start NAME IDX"; s_start "$1" "$2" ;;
    run)   [ $# -eq 2 ] || die "usage: run NAME IDX"; s_run "$1" "$2" ;;
    payload) [ $# -ge 1 ] || die "usage: payload DIR [CONFIG]"; s_payload "$@" ;;
    stop)
        [ $# -ge 1 ] || die "usage: stop NAME...|all"
        if [ "$1" = all ]; then set -- $(ls "$run" 2>/dev/null); fi
        for n in "$@"; do s_stop_one "$n"; done ;;
    exec) [ $# -ge 2 ] || die "usage: exec NAME CMD"; s_exec "$@" ;;
    push) [ $# -eq 2 ] || die "usage: push NAME DIR"; s_push "$1" "$2" ;;
    list) for n in $(ls "$run" 2>/dev/null); do alive "$(qpid "$n")" && echo "$n $(qpid "$n")"; done; true ;;
    *) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
