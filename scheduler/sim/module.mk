# scheduler/sim/ — xgc sim: trace-driven data-centre replay in virtual time
# (engine, trace loaders, power tables, baseline policies, xgc adapter, report).
LIB_SRCS += $(wildcard scheduler/sim/*.c)
BENCH_TARGETS += bench-sim

.PHONY: bench-sim
bench-sim: $(BUILD)/bin/xgc
	@scheduler/sim/bench.sh $(BUILD)/bin/xgc
