# tests/soak — the multi-host soak test (tools/cmd_soak.c, docs/soak.md):
#   make soak DURATION=30m [SOAK_PMDS=20] [SOAK_SEED=1] [SECURITY=curve] [SOAK_ARGS="--json"]
# Needs root (network namespaces). Exit status non-zero on any violation.
# SECURITY=curve runs the deployment with CURVE certificates per role and
# adds the security probes to the faults (default none: plaintext).
# The short runs that are part of `make test` are
# tests/integration/soak_short.sh (plaintext) and soak_curve.sh (CURVE).
DURATION  ?= 30m
SOAK_PMDS ?= 20
SOAK_SEED ?= 1
SECURITY  ?= none
SOAK_ARGS ?=

.PHONY: soak
soak: deps all
	$(BUILD)/bin/xgc soak --duration $(DURATION) --pmds $(SOAK_PMDS) --seed $(SOAK_SEED) \
	    --security $(SECURITY) $(SOAK_ARGS)
