# scheduler/ — the re-planner (pure: replan, plandiff, view, planner), its
# configuration and metrics, and the daemon xgc-scheduler (main.c).
# placement/ and policy/ have their own module.mk.
LIB_SRCS += scheduler/replan.c scheduler/plandiff.c scheduler/sched_config.c \
            scheduler/view.c scheduler/planner.c scheduler/sched_metrics.c \
            scheduler/policy_bridge.c
BINS += xgc-scheduler
xgc-scheduler_SRCS := scheduler/main.c

# xgc-schedbench: the load generator of `make bench` (scheduler/bench.sh).
BINS += xgc-schedbench
xgc-schedbench_SRCS := scheduler/bench.c
BENCH_TARGETS += bench-scheduler
.PHONY: bench-scheduler
bench-scheduler: all
	@scheduler/bench.sh $(BUILD)/bin
