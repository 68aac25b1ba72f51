# scheduler/sim/ — xgc sim: trace-driven data-centre replay in virtual time
# (engine, trace loaders, power tables, baseline policies, xgc adapter, report).
LIB_SRCS += $(wildcard scheduler/sim/*.c)
BENCH_TARGETS += bench-sim

.PHONY: bench-sim
bench-sim: $(BUILD)/bin/xgc
	@scheduler/sim/bench.sh $(BUILD)/bin/xgc

# The example policy plugin (docs/sim.md, "Your own policy"): compiled as a
# researcher would, against xgc_sim_plugin.h alone, without sanitizers (it is
# loaded by build/bin/xgc). make builds it into build/lib/.
SIM_PLUGIN_EXAMPLE := build/lib/xgc-sim-threshold-ffd.so
all: $(SIM_PLUGIN_EXAMPLE)
$(SIM_PLUGIN_EXAMPLE): scheduler/sim/examples/threshold_ffd.c scheduler/sim/xgc_sim_plugin.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -shared -fPIC -Ischeduler/sim -o $@ $<

BENCH_TARGETS += bench-sim-plugin
.PHONY: bench-sim-plugin
bench-sim-plugin: $(BUILD)/bin/xgc $(SIM_PLUGIN_EXAMPLE)
	@scheduler/sim/examples/bench.sh $(BUILD)/bin/xgc
