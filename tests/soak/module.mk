# tests/soak — the multi-host soak test (tools/cmd_soak.c, docs/soak.md):
#   make soak DURATION=30m [SOAK_PMDS=20] [SOAK_SEED=1] [SOAK_ARGS="--json"]
# Needs root (network namespaces). Exit status non-zero on any violation.
# The short run that is part of `make test` is tests/integration/soak_short.sh.
DURATION  ?= 30m
SOAK_PMDS ?= 20
SOAK_SEED ?= 1
SOAK_ARGS ?=

.PHONY: soak
soak: deps all
	$(BUILD)/bin/xgc soak --duration $(DURATION) --pmds $(SOAK_PMDS) --seed $(SOAK_SEED) $(SOAK_ARGS)
