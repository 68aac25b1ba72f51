#!/bin/sh
# fetch-kernel.sh DIR — the guest kernel and its virtio modules, from Debian.
#
# Downloads the cloud kernel package apt offers (the one the meta-package
# linux-image-cloud-amd64 depends on, or $XGC_GUEST_KERNEL) with
# `apt-get download`, and leaves in DIR:
#   vmlinuz   the bzImage (LZ4-compressed)
#   vmlinux   the uncompressed PVH ELF cut out of it, when that works: qemu
#             -kernel boots it directly and skips the decompressor (~0.5 s
#             faster under TCG); otherwise a copy of vmlinuz
#   mods/     the virtio/net modules and qemu_fw_cfg (/sys/firmware/qemu_fw_cfg:
#             how the qemu driver hands a VM its own key, docs/security.md),
#             as plain .ko files (cloud kernels ship them uncompressed, so
#             busybox insmod loads them)
#   modules.order  the order /init loads them in
#   version   the kernel package version
# Idempotent: does nothing when DIR/version is there and DIR/kmods lists
# the same modules (a changed list re-extracts them from the cached package).
set -eu
dir=$1
# virtio_ring before virtio, then the PCI transport, then the net stack;
# qemu_fw_cfg for the per-VM key
kmods="drivers/virtio/virtio_ring drivers/virtio/virtio
       drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev
       drivers/virtio/virtio_pci net/core/failover drivers/net/net_failover
       drivers/net/virtio_net drivers/firmware/qemu_fw_cfg"
[ -s "$dir/version" ] && [ "$(cat "$dir/kmods" 2>/dev/null)" = "$(echo $kmods)" ] && exit 0
mkdir -p "$dir/dl" "$dir/mods"
ver=${XGC_GUEST_KERNEL:-$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
      sed -n 's/.*Depends: linux-image-\([0-9].*-cloud-amd64\)$/\1/p' | head -n1)}
if [ -z "$ver" ]; then
    echo "guest: apt offers no linux-image-cloud-amd64 (run apt-get update?)" >&2
    exit 1
fi
echo "guest: kernel linux-image-$ver" >&2
ls "$dir"/dl/linux-image-"$ver"_*.deb > /dev/null 2>&1 ||
( cd "$dir/dl" && apt-get download -q "linux-image-$ver" >/dev/null 2>&1 ) || {
    echo "guest: apt-get download linux-image-$ver failed" >&2; exit 1; }
rm -rf "$dir/pkg"
dpkg -x "$dir"/dl/linux-image-"$ver"_*.deb "$dir/pkg"
cp "$dir/pkg/boot/vmlinuz-$ver" "$dir/vmlinuz"

# The PVH ELF: the bzImage carries the kernel as a legacy LZ4 stream (magic
# 02 21 4c 18); decompress from there and keep the result if it is an ELF.
off=$(grep -obUaP '\x02\x21\x4c\x18' "$dir/vmlinuz" | head -n1 | cut -d: -f1)
if [ -n "$off" ]; then
    tail -c +$((off + 1)) "$dir/vmlinuz" | lz4 -dc > "$dir/vmlinux.tmp" 2>/dev/null || true
fi
if [ -s "$dir/vmlinux.tmp" ] && [ "$(head -c 4 "$dir/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
    mv "$dir/vmlinux.tmp" "$dir/vmlinux"
else
    echo "guest: no PVH ELF in the bzImage; booting the bzImage" >&2
    rm -f "$dir/vmlinux.tmp"; cp "$dir/vmlinuz" "$dir/vmlinux"
fi

: > "$dir/modules.order"
for m in $kmods; do
    f=$(ls "$dir"/pkg/lib/modules/*/kernel/"$m".ko 2>/dev/null || true)
    # a module built into this kernel needs no file
    [ -n "$f" ] || continue
    cp "$f" "$dir/mods/"
    basename "$m" >> "$dir/modules.order"
done
rm -rf "$dir/pkg"
echo $kmods > "$dir/kmods"
echo "$ver" > "$dir/version"
