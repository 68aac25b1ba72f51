# tests/fuzz — libFuzzer targets (clang), not part of `make test`.
#   make fuzz                 build, then run each target for FUZZ_SECONDS (30)
#   make fuzz-build           build only: build/fuzz/bin/fuzz_<name>
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=msg
# Each target reads its committed seeds (tests/fuzz/corpus/<name>, read-only)
# and grows a working corpus in build/fuzz/corpus/<name>. A crash leaves
# build/fuzz/crash-* and fails the target. See docs/fuzzing.md.
FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang
FUZZ_OUT     := build/fuzz
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# Only the modules under test (and what they use), so that the fuzzers do not
# depend on the rest of libxgc.
FUZZ_SRCS    := $(addprefix common/xgc_,msg.c json.c yaml.c config.c log.c state.c model.c)
FUZZ_CFLAGS   = -g -O1 -std=gnu11 -Wall -Wextra -Werror -I. -Icommon -I$(BUILD)/gen \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/bin/fuzz_%)

$(FUZZ_OUT)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS) $(LIBS)

fuzz: deps fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_OUT)/corpus/$$t; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s (log: $(FUZZ_OUT)/$$t.log)"; \
	    $(FUZZ_OUT)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        -artifact_prefix=$(FUZZ_OUT)/ -print_final_stats=1 \
	        $(FUZZ_OUT)/corpus/$$t tests/fuzz/corpus/$$t > $(FUZZ_OUT)/$$t.log 2>&1; \
	    rc=$$?; \
	    grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|peak_rss_mb)' $(FUZZ_OUT)/$$t.log; \
	    if [ $$rc != 0 ]; then tail -40 $(FUZZ_OUT)/$$t.log; exit 1; fi; \
	done
