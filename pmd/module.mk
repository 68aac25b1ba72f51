# pmd/ — the per-PM daemon: reconcile core (pure), hypervisor drivers, loop.
# The drivers are also linked into xgc-pmd directly: driver.c refers to
# their classes weakly, which would not pull them out of libxgc.a.
LIB_SRCS += $(filter-out pmd/main.c,$(wildcard pmd/*.c))
BINS += xgc-pmd
xgc-pmd_SRCS := pmd/main.c $(wildcard pmd/driver_*.c)

# make bench: how many sim pmds one machine carries (docs/benchmarks/pmd.md).
BENCH_TARGETS += bench-pmd
.PHONY: bench-pmd
bench-pmd: all
	XGC_BIN=$(BUILD)/bin pmd/bench/scale.sh 200 200 5
