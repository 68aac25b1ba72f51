# tests/valgrind — `make valgrind`: the daemons (broker, sim pmds, vmd) and
# the xgc tools under valgrind memcheck through a real scenario on loopback
# (tests/valgrind/run.sh); fails on any memcheck error or definite/indirect
# leak. Not part of `make test` (about 2 minutes on a loaded 2-core
# machine); see docs/quality.md.
.PHONY: valgrind
valgrind: deps all
	@tests/valgrind/run.sh $(CURDIR)/$(BUILD)/bin
