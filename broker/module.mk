# broker/ — xgc-broker: the events proxy and the durable state store.
# store.c (pure: hash + journal + TTL), proxy.c (events), clone.c (state
# server) go into libxgc so that tests can link them; main.c is the daemon.
LIB_SRCS += broker/store.c broker/proxy.c broker/clone.c
BINS += xgc-broker
xgc-broker_SRCS := broker/main.c

# Client programs for the bus integration tests and benchmarks.
BINS += xgc-bustest
xgc-bustest_SRCS := tests/integration/bus_helper.c

# make bench: events through the broker vs direct, durable writes/s, memory.
BENCH_TARGETS += bench-bus
.PHONY: bench-bus
bench-bus: all
	@broker/bench.sh $(BUILD)/bin
