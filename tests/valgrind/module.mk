# tests/valgrind — `make valgrind`: memcheck on everything we build, failing
# on any memcheck error or definite/indirect leak (docs/quality.md).
#   make valgrind-daemons  the broker, sim pmds, vmd and the xgc tools through
#                          a real scenario on loopback (tests/valgrind/run.sh)
#   make valgrind-units    every unit-test program of the normal build
#                          (tests/valgrind/units.sh)
# Not part of `make test`: about 2 + 5 minutes on a loaded 2-core machine.
.PHONY: valgrind valgrind-daemons valgrind-units
valgrind: valgrind-daemons valgrind-units

valgrind-daemons: deps all
	@tests/valgrind/run.sh $(CURDIR)/$(BUILD)/bin

valgrind-units: deps all
	@tests/valgrind/units.sh $(CURDIR)/$(BUILD)/tests
