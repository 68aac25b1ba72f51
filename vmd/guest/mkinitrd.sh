#!/bin/sh
# mkinitrd.sh KDIR OUT [VMD] — the guest initramfs: static busybox, the virtio
# modules fetched by fetch-kernel.sh into KDIR, vmd/guest/init, and the
# project's static xgc-vmd when one is given (without it the guest only ticks
# on its console). Written to OUT atomically.
set -eu
kdir=$1; out=$2; vmd=${3:-}
here=$(dirname "$0")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
         "$root/etc/xgc" "$root/lib/xgc-mods"
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"; chmod 755 "$root/init"
cp "$kdir"/mods/*.ko "$root/lib/xgc-mods/"
cp "$kdir/modules.order" "$root/etc/xgc/modules.order"
if [ -n "$vmd" ]; then
    cp "$vmd" "$root/bin/xgc-vmd"; chmod 755 "$root/bin/xgc-vmd"
fi
( cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$out.tmp"
mv "$out.tmp" "$out"
