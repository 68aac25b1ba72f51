# tests/bench — benchmark programs, one per file tests/bench/bench_<name>.c,
# built against libxgc and run by `make bench` (target bench-<name>).
BENCH_PROGS   := $(patsubst tests/bench/bench_%.c,%,$(wildcard tests/bench/bench_*.c))
BENCH_TARGETS += $(BENCH_PROGS:%=bench-%)

$(BUILD)/bench/bench_%: $(BUILD)/obj/tests/bench/bench_%.o $(BUILD)/libxgc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

.PHONY: $(BENCH_PROGS:%=bench-%)
$(BENCH_PROGS:%=bench-%): bench-%: $(BUILD)/bench/bench_%
	@echo "== $<"
	@$<
