#!/bin/sh
# mkinitrd.sh KDIR OUT [VMD [CERTS]] — the guest initramfs: static busybox,
# the virtio modules fetched by fetch-kernel.sh into KDIR, vmd/guest/init,
# and the project's static xgc-vmd when one is given (without it the guest
# only ticks on its console). With CERTS (a directory made by `xgc keygen`),
# its broker.cert and secret/vmd.cert_secret go to /etc/xgc/, and OUT, which
# then holds a secret key, is readable by its owner only. Written to OUT
# atomically.
set -eu
kdir=$1; out=$2; vmd=${3:-}; certs=${4:-}
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
if [ -n "$certs" ]; then
    for f in "$certs/broker.cert" "$certs/secret/vmd.cert_secret"; do
        [ -r "$f" ] || { echo "guest: no $f (run xgc keygen)" >&2; exit 1; }
    done
    cp "$certs/broker.cert" "$root/etc/xgc/broker.cert"
    (umask 077 && cp "$certs/secret/vmd.cert_secret" "$root/etc/xgc/vmd.cert_secret")
    umask 077
fi
rm -f "$out.tmp"
( cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$out.tmp"
mv "$out.tmp" "$out"
