# scheduler/placement/ — the pure placement core (see placement.h).
LIB_SRCS += $(wildcard scheduler/placement/*.c)

# make bench: timings at 1k/10k/100k VMs (thread CPU time, ratios in the same
# run), the sweep of BENCHMARKS.md §1 (ours against PEMM) and the gap to the
# exhaustive optimum. Figures: docs/benchmarks/placement.md.
BENCH_TARGETS += bench-placement
.PHONY: bench-placement
bench-placement: $(BUILD)/bin/xgc
	@echo "== placement: scale (xgc eval --scale 1000,10000,100000 --algorithm all --repeat 5) =="
	@$(BUILD)/bin/xgc eval --scale 1000,10000,100000 --algorithm all --repeat 5
	@echo "== placement: sweep (xgc eval --sweep --out $(BUILD)/bench/placement-sweep) =="
	@mkdir -p $(BUILD)/bench
	@$(BUILD)/bin/xgc eval --sweep --out $(BUILD)/bench/placement-sweep
	@echo "== placement: exact (xgc eval --exact --trials 200) =="
	@$(BUILD)/bin/xgc eval --exact --trials 200
