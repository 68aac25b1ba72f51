# tests/lint — `make lint`: cppcheck over every C source (tests included) and,
# when installed, clang-tidy (clang-analyzer-*, bugprone-*) over the daemons'
# and the cores' sources; a finding not listed with its reason in
# tests/lint/cppcheck.supp or tidy.supp fails it (docs/quality.md).
# About 1.5 minutes on 2 cores; not part of `make test`.
.PHONY: lint
lint: deps all
	@tests/lint/run.sh
