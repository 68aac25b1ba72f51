# vmd/guest/ — the qemu guest image: `make guest` builds, under build/guest/,
#   vmlinux    the Debian cloud kernel (uncompressed PVH ELF when possible)
#   initrd.gz  busybox + virtio modules + /init + the static xgc-vmd (and,
#              with GUEST_CERTS=DIR, DIR's broker.cert and vmd key pair, for
#              a `security: curve` broker; docs/vmd.md)
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

GUEST_CERTS ?=
GUEST_CERT_FILES := $(if $(GUEST_CERTS),$(GUEST_CERTS)/broker.cert $(GUEST_CERTS)/secret/vmd.cert_secret)

# remembers GUEST_CERTS, so that changing it (or dropping it) rebuilds
$(GUEST_DIR)/certs.id: guest-certs-force
	@mkdir -p $(GUEST_DIR)
	@echo '$(GUEST_CERTS)' | cmp -s - $@ || echo '$(GUEST_CERTS)' > $@
.PHONY: guest-certs-force

$(GUEST_DIR)/initrd.gz: $(GUEST_DIR)/version vmd/guest/init vmd/guest/mkinitrd.sh $(GUEST_VMD) \
                        $(GUEST_DIR)/certs.id $(GUEST_CERT_FILES)
	@vmd/guest/mkinitrd.sh $(GUEST_DIR) $@ "$(GUEST_VMD)" "$(GUEST_CERTS)"
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
