# vmd/guest/ — the qemu guest image: `make guest` builds, under build/guest/,
#   vmlinux    the Debian cloud kernel (uncompressed PVH ELF when possible)
#   initrd.gz  busybox + virtio modules + /init + the static xgc-vmd
# from Debian packages (apt-get download) and this tree. Cached: the kernel is
# fetched once; the initramfs is rebuilt only when /init, the scripts or the
# static vmd change. Not part of `make all` (it downloads); the qemu tests and
# `xgc up config/qemu-demo.yaml` run it. See docs/qemu.md.
GUEST_DIR := build/guest
# the static agent (vmd/module.mk builds xgc-vmd-static; that file is read
# after this one, so test for its source rather than for BINS)
GUEST_VMD := $(if $(wildcard vmd/main.c),build/bin/xgc-vmd-static)

.PHONY: guest
guest: $(GUEST_DIR)/initrd.gz

$(GUEST_DIR)/version: vmd/guest/fetch-kernel.sh
	@vmd/guest/fetch-kernel.sh $(GUEST_DIR)

$(GUEST_DIR)/initrd.gz: $(GUEST_DIR)/version vmd/guest/init vmd/guest/mkinitrd.sh $(GUEST_VMD)
	@vmd/guest/mkinitrd.sh $(GUEST_DIR) $@ $(GUEST_VMD)
	@echo "guest: $(GUEST_DIR)/vmlinux $@$(if $(GUEST_VMD),, (no static xgc-vmd yet: the guest only ticks))"

# make bench: the qemu driver's figures (boot, cap accuracy, live migration)
# from the real-QEMU driver test; see docs/benchmarks/qemu.md.
BENCH_TARGETS += bench-qemu
.PHONY: bench-qemu
bench-qemu: all
	@XGC_ROOT=$(CURDIR) tests/integration/qemu_driver.sh | grep -E '^(figure|SKIP)|passed'

# The qemu driver's integration check (tests/integration/qemu_driver.sh runs
# it), linked like every binary.
build/qemu_driver_check: tests/integration/qemu_driver_check.c build/libxgc.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< build/libxgc.a $(LIBS)
