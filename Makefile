# xgc — top-level build.
#
# Every folder that builds something has a module.mk that appends to:
#   LIB_SRCS   sources of libxgc.a (everything that is not a main())
#   BINS       binaries, each with <bin>_SRCS (its main) and optional <bin>_LIBS
#   TEST_SRCS  unit-test programs (tests/unit/test_*.c are found automatically)
# so that components can be added without editing this file.
#
#   make            build everything into build/ (bin/, lib, tests/)
#   make deps       install missing Debian packages (idempotent, quiet)
#   make test       deps, build, unit tests under ASan+UBSan, integration tests
#   make run        the main job (see README.md)
#   make bench      benchmarks (not timed tests); figures go to docs/benchmarks.md
# Modules may also append to BENCH_TARGETS (phony targets run by make bench).
#   SAN=1           build into build/asan with AddressSanitizer + UBSan

.DEFAULT_GOAL := all
BUILD   ?= build
CC      ?= gcc
SAN     ?=
ifeq ($(SAN),1)
BUILD   := build/asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -I. -Icommon -I$(BUILD)/gen -MMD -MP $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LIBS    ?= -lczmq -lzmq -lmsgpackc -lyaml -ljansson -lxenlight -lxlutil -lxentoollog -lz -lm -lpthread

LIB_SRCS  :=
BINS      :=
TEST_SRCS := $(wildcard tests/unit/test_*.c)
GEN_HDRS  :=
BENCH_TARGETS :=

MODULES := $(sort $(wildcard */module.mk */*/module.mk))
include $(MODULES)

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BIN_PATHS := $(BINS:%=$(BUILD)/bin/%)

.SECONDARY:
.PHONY: all deps test test-unit test-integration run bench clean
all: $(BIN_PATHS) $(TEST_BINS)

deps:
	@tools/deps.sh

$(BUILD)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libxgc.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

define BIN_template
$(BUILD)/bin/$(1): $$($(1)_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libxgc.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(or $$($(1)_LIBS),$$(LIBS))
endef
$(foreach b,$(BINS),$(eval $(call BIN_template,$(b))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libxgc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# make test: unit tests under ASan+UBSan, then integration tests against the
# normal build (real processes on loopback). One closing "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 all
	@tests/run.sh build

test-unit: deps
	@$(MAKE) --no-print-directory SAN=1 all
	@tests/run.sh build unit

test-integration: deps all
	@tests/run.sh build integration

# The main job: tools/run.sh (the live demo deployment, see README.md).
run: deps all
	@tools/run.sh

bench: deps all $(BENCH_TARGETS)

clean:
	rm -rf build

# Header dependencies of every object (mains included), from -MMD.
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
