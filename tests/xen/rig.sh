#!/bin/sh
# Build the nested-Xen rig under build/xen (make xen-rig). Every step is
# cached with a stamp file, so a second run only redoes what changed:
#   rootfs/        debootstrap of bookworm + Xen 4.17 + standard kernel, then
#                  dist-upgraded with the host's apt sources (tools = libxen-dev)
#   dom0.img       ext4 image of rootfs with our PID 1 (tests/xen/dom0-init.sh)
#   xen.elf, dom0-vmlinuz, dom0-initrd   the multiboot kernel and dom0 boot files
#   domu-vmlinuz   the cloud kernel (PV/PVH domU; it cannot be dom0)
#   domu-initrd    busybox + tests/xen/domu-init.sh (+ static xgc-vmd if built)
# Why a script and not make rules: debootstrap and chroot steps are long,
# ordered and need cleanup on failure; make only decides when to call us.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${XEN_RIG:-$root/build/xen}
mkdir -p "$out"
rootfs=$out/rootfs
t0=$(date +%s)
log() { echo "xen-rig: [$(( $(date +%s) - t0 ))s] $*" >&2; }

# The mirror the host itself uses (first deb URI of its apt sources).
host_mirror() {
    m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
    [ -n "$m" ] || m=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    echo "${m:-http://deb.debian.org/debian}"
}

chroot_umount() {
    for d in dev/pts dev proc sys; do
        mountpoint -q "$rootfs/$d" && umount -l "$rootfs/$d" || true
    done
}

s_rootfs() {
    [ -f "$out/rootfs.stamp" ] && return 0
    rm -rf "$rootfs"
    mirror=$(host_mirror)
    log "debootstrap bookworm from $mirror"
    debootstrap --variant=minbase \
        --include=xen-hypervisor-4.17-amd64,xen-hypervisor-common,xen-utils-4.17,xen-utils-common,linux-image-amd64,busybox,iproute2,socat,netcat-openbsd,kmod,procps,initramfs-tools,ca-certificates \
        bookworm "$rootfs" "$mirror" >"$out/debootstrap.log" 2>&1 ||
        { tail -20 "$out/debootstrap.log" >&2; exit 1; }
    log "dist-upgrade with the host's apt sources"
    rm -f "$rootfs/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/*.sources "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$rootfs/etc/apt/" || true
    cp /etc/apt/apt.conf.d/* "$rootfs/etc/apt/apt.conf.d/" 2>/dev/null || true
    printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
    trap chroot_umount EXIT
    mount -t proc proc "$rootfs/proc"; mount --bind /dev "$rootfs/dev"; mount -t sysfs sys "$rootfs/sys"
    chroot "$rootfs" sh -c 'export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get -y -qq dist-upgrade && apt-get -y -qq --no-install-recommends install xen-utils-4.17 linux-image-amd64' \
        >"$out/upgrade.log" 2>&1 || { tail -20 "$out/upgrade.log" >&2; exit 1; }
    # keep only the newest kernel (the one that matches the upgraded tree)
    kv=$(ls "$rootfs/lib/modules" | sort -V | tail -1)
    for old in $(ls "$rootfs/lib/modules" | grep -v "^$kv\$"); do
        chroot "$rootfs" apt-get -y -qq purge "linux-image-$old" >>"$out/upgrade.log" 2>&1 || true
    done
    log "fetch the cloud kernel ($kv -> cloud) for domUs"
    ckv=$(echo "$kv" | sed 's/-amd64$/-cloud-amd64/')
    rm -rf "$out/cloud"; mkdir -p "$rootfs/tmp/cloud"
    chroot "$rootfs" sh -c "cd /tmp/cloud && apt-get download linux-image-$ckv" >>"$out/upgrade.log" 2>&1 ||
        { tail -5 "$out/upgrade.log" >&2; exit 1; }
    mkdir -p "$out/cloud"
    dpkg-deb -x "$rootfs"/tmp/cloud/*.deb "$out/cloud"
    rm -rf "$rootfs/tmp/cloud"
    chroot "$rootfs" apt-get clean
    chroot_umount; trap - EXIT
    echo "$kv" > "$out/rootfs.stamp"
    log "rootfs done: $(du -sm "$rootfs" | cut -f1) MB, kernel $kv, $(chroot "$rootfs" dpkg-query -W -f='${Version}' xen-utils-4.17)"
}

# Runtime libraries of xgc-pmd (LIBS in the Makefile) and tools the tests
# use in dom0, installed on top of the cached rootfs (remade when the list
# changes, without a new debootstrap).
EXTRAS="libczmq4 libzmq5 libmsgpackc2 libyaml-0-2 libjansson4 zlib1g strace"
s_extras() {
    [ "$(cat "$out/extras.stamp" 2>/dev/null)" = "$EXTRAS" ] && return 0
    log "install extras: $EXTRAS"
    trap chroot_umount EXIT
    mount -t proc proc "$rootfs/proc"; mount --bind /dev "$rootfs/dev"; mount -t sysfs sys "$rootfs/sys"
    chroot "$rootfs" sh -c "export DEBIAN_FRONTEND=noninteractive
        apt-get -y -qq --no-install-recommends install $EXTRAS && apt-get clean" \
        >"$out/extras.log" 2>&1 || { tail -20 "$out/extras.log" >&2; exit 1; }
    chroot_umount; trap - EXIT
    echo "$EXTRAS" > "$out/extras.stamp"
}

s_boot_files() {
    kv=$(cat "$out/rootfs.stamp")
    zcat "$rootfs/boot/xen-4.17-amd64.gz" > "$out/xen.elf.tmp" && mv "$out/xen.elf.tmp" "$out/xen.elf"
    cp "$rootfs/boot/vmlinuz-$kv" "$out/dom0-vmlinuz"
    cp "$rootfs/boot/initrd.img-$kv" "$out/dom0-initrd"
    cp "$(ls "$out"/cloud/boot/vmlinuz-* | head -1)" "$out/domu-vmlinuz"
}

# dom0.img is remade when the rootfs or our init changed.
s_image() {
    if [ -f "$out/dom0.img" ] && [ "$out/dom0.img" -nt "$out/rootfs.stamp" ] &&
       [ "$out/dom0.img" -nt "$out/extras.stamp" ] &&
       [ "$out/dom0.img" -nt "$here/dom0-init.sh" ]; then return 0; fi
    mkdir -p "$rootfs/xgc"
    cp "$here/dom0-init.sh" "$rootfs/xgc/init.sh"; chmod +x "$rootfs/xgc/init.sh"
    log "mkfs dom0.img"
    rm -f "$out/dom0.img.tmp"
    mkfs.ext4 -q -F -L dom0root -d "$rootfs" "$out/dom0.img.tmp" 2G
    mv "$out/dom0.img.tmp" "$out/dom0.img"
}

# The domU initramfs: static busybox, our init, and the static vmd when the
# pmd helper's build has produced it (else the init only prints ticks).
s_domu_initrd() {
    vmd=""
    for c in "$root/build/bin/xgc-vmd-static" "$root/build/bin/xgc-vmd"; do
        if [ -x "$c" ] && file -L "$c" 2>/dev/null | grep -q 'statically linked'; then vmd=$c; break; fi
    done
    d=$out/domu-root; rm -rf "$d"; mkdir -p "$d/bin" "$d/sbin" "$d/proc" "$d/sys" "$d/dev" "$d/tmp" "$d/etc"
    cp "$(command -v busybox)" "$d/bin/busybox"
    for a in sh mount cat echo sleep ip ping sed cut uptime date hostname mkdir ls ps insmod; do ln -sf busybox "$d/bin/$a"; done
    cp "$here/domu-init.sh" "$d/init"; chmod +x "$d/init"
    # the kernel runs /sbin/poweroff (/sbin/reboot) when Xen asks the guest
    # to shut down: with no real init, sysrq does it at once. A PVH guest of
    # this kernel cannot power off (no ACPI power control in PVH: sysrq-o
    # prints "reboot: Power down" and the guest runs on), but it can reset:
    # so poweroff resets, and the xl config maps a reboot to destroy
    # (on_reboot = "destroy" in tools/xen/xenhost.sh's domu.cfg)
    printf '#!/bin/sh\nsync; echo b > /proc/sysrq-trigger\n' > "$d/sbin/poweroff"
    printf '#!/bin/sh\nsync; echo b > /proc/sysrq-trigger\n' > "$d/sbin/reboot"
    chmod +x "$d/sbin/poweroff" "$d/sbin/reboot"
    mkdir -p "$d/lib"; cp "$(find "$out/cloud" -name xen-netfront.ko | head -1)" "$d/lib/"
    [ -n "$vmd" ] && cp "$vmd" "$d/bin/xgc-vmd"
    (cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/domu-initrd"
    log "domu-initrd: $(du -k "$out/domu-initrd" | cut -f1) kB, vmd: ${vmd:-none}"
}

s_rootfs
s_extras
s_boot_files
s_image
s_domu_initrd
log "rig ready in $out"
