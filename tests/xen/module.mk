# tests/xen — the nested-Xen rig and the real-Xen tests (docs/xen-nested.md).
# Not part of `make all` or `make test`: they need root, debootstrap and a
# few GB of RAM, and take minutes.
#   make xen-rig      build/cache the rig in build/xen (tests/xen/rig.sh)
#   make xen-smoke    boot hosts, libxl calls and xl migrate without xgc code
#   make test-xen     the acceptance test of issue 8 (xgc-pmd with the xl driver)
XEN_DIR := build/xen
.PHONY: xen-rig xen-smoke test-xen

$(XEN_DIR)/libxl_probe: tests/xen/libxl_probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $< -lxenlight -lxentoollog

xen-rig: $(XEN_DIR)/libxl_probe
	@tools/deps.sh tools/deps-extra/xen.txt
	@$(MAKE) --no-print-directory all
	@tests/xen/rig.sh

xen-smoke: xen-rig
	@tests/xen/smoke.sh

test-xen: xen-rig
	@tests/xen/xen_nested_test.sh
